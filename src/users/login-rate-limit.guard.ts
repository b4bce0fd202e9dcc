import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * @nestjs/throttler on password attempts (the password grant and the login page): per remote
 * address, per instance, in memory. The database counters (LoginThrottleService) are what
 * hold across instances; this one keeps a single address from flooding one instance with
 * argon2 work. Other grants are not counted.
 */
@Injectable()
export class LoginRateLimitGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const request = context
      .switchToHttp()
      .getRequest<{ url: string; body?: { grant_type?: unknown } }>();
    const isLoginPage = request.url.split('?')[0] === '/login';
    return Promise.resolve(!isLoginPage && request.body?.grant_type !== 'password');
  }
}
