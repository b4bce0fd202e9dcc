import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * @nestjs/throttler on password attempts: per remote address, per instance, in memory. The
 * database counters (LoginThrottleService) are what hold across instances; this one keeps a
 * single address from flooding one instance with argon2 work. Other grants are not counted.
 */
@Injectable()
export class LoginRateLimitGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ body?: { grant_type?: unknown } }>();
    return Promise.resolve(request.body?.grant_type !== 'password');
  }
}
