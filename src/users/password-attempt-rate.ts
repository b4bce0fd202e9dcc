import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { OAuthError } from '../common/oauth-error.js';
import { AppConfig } from '../config/app-config.js';

const WINDOW_MS = 60_000;
const THROTTLER_NAME = 'password';
const addressKey = (ip: string) => `password:${ip}`;

/**
 * Password attempts per remote address, per instance, in memory (@nestjs/throttler's storage):
 * LOGIN_RATE_LIMIT a minute, 0 for no limit. Past it the address is refused for a minute,
 * right or wrong password alike. The database counters (LoginThrottleService) are what hold
 * across instances; this one keeps a single address from flooding one instance with argon2
 * work, so it counts every attempt, not only failures.
 */
@Injectable()
export class PasswordAttemptRate {
  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    private readonly config: AppConfig,
  ) {}

  /** Counts one attempt from this address; throws 429 with Retry-After once over the limit. */
  async count(ip: string): Promise<void> {
    const limit = this.config.loginThrottle.ratePerMinute;
    if (limit === 0) return;
    const { isBlocked, timeToBlockExpire } = await this.storage.increment(
      addressKey(ip),
      WINDOW_MS,
      limit,
      WINDOW_MS,
      THROTTLER_NAME,
    );
    if (!isBlocked) return;
    const seconds = Math.max(1, timeToBlockExpire);
    throw new OAuthError(
      'too_many_requests',
      `too many password attempts from this address; try again in ${seconds} seconds`,
      { headers: { 'Retry-After': String(seconds) } },
    );
  }
}
