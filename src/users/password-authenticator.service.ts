import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PasswordAttemptRate } from './password-attempt-rate.js';
import { PasswordHasher } from './password-hasher.service.js';
import type { User } from './user.entity.js';
import { UsersService } from './users.service.js';

/** Wrong username or password, or a disabled user: the same answer for all three. */
export class BadCredentialsError extends Error {}

export interface PasswordAttempt {
  username: string;
  password: string;
  ip: string;
  /** The client the user signs in for, if any. */
  clientId?: string;
  /** Where the attempt came from, for the audit trail (`password_grant`, `login_page`). */
  via: string;
}

/**
 * Checks a username and password the one way every entry point must: every attempt counted
 * against the address's rate (PasswordAttemptRate, OAuthError 429), refused while the account
 * or address is locked (LoginLockedError, 429), one argon2id verification whether or not the
 * user exists (a decoy hash otherwise), failures counted and audited, a success clearing the
 * account's count.
 */
@Injectable()
export class PasswordAuthenticator {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly rate: PasswordAttemptRate,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  async authenticate(attempt: PasswordAttempt): Promise<User> {
    const { username, password, ip, clientId, via } = attempt;
    // Before anything that costs a query or a hash: past the rate, no attempt gets that far.
    await this.rate.count(ip);
    if (!username || !password || username.length > 256 || password.length > 1024)
      throw new BadCredentialsError();
    // Both at once: each round trip wakes this thread in the middle of someone's hash.
    const [{ accountFailures }, user] = await Promise.all([
      this.throttle.assertNotLocked(username, ip),
      this.users.findByUsername(username),
    ]);
    const verified = await this.hasher.verify(
      user?.passwordHash ?? (await this.hasher.decoyHash()),
      password,
    );
    if (!user || !verified || user.disabled) {
      await this.throttle.recordFailure(username, ip, clientId);
      await this.audit.record({
        type: 'login.failed',
        clientId,
        userId: user?.id,
        ip,
        details: {
          username,
          via,
          reason: !user ? 'unknown_user' : !verified ? 'wrong_password' : 'user_disabled',
        },
      });
      throw new BadCredentialsError();
    }
    if (accountFailures) await this.throttle.recordSuccess(username);
    return user;
  }
}
