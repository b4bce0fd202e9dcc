import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { BearerError } from './bearer-error.js';
import { BEARER_STRATEGY } from './bearer-jwt.strategy.js';
import { KeySourceUnavailableError, UntrustedTokenError } from './jwks-key-resolver.js';
import type { Principal } from './principal.js';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';
import { SCOPES_KEY } from './scopes.decorator.js';

interface ReplyLike {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/** Why passport-jwt refused a token, in words a client can act on. */
function describe(info: unknown): string {
  if (info instanceof UntrustedTokenError) return info.message;
  const name = (info as { name?: string } | undefined)?.name;
  const message = (info as { message?: string } | undefined)?.message ?? '';
  if (name === 'TokenExpiredError') return 'the access token has expired';
  if (name === 'NotBeforeError') return 'the access token is not valid yet';
  if (/no auth token/i.test(message)) return 'a bearer access token is required';
  if (/audience invalid/i.test(message)) return 'the access token is not meant for this audience';
  if (/issuer invalid/i.test(message)) return 'the access token comes from another issuer';
  return 'the access token is invalid';
}

/**
 * Accepts `Authorization: Bearer <JWT>` access tokens and checks the scopes named with
 * @Scopes(). Refusals follow RFC 6750 §3: 401 invalid_token or 403 insufficient_scope,
 * with a WWW-Authenticate challenge and the same error as JSON.
 */
@Injectable()
export class BearerAuthGuard extends AuthGuard(BEARER_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    @Inject(RESOURCE_SERVER_OPTIONS) private readonly options: ResourceServerOptions,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      await super.canActivate(context);
      const required =
        this.reflector.getAllAndOverride<string[] | undefined>(SCOPES_KEY, [
          context.getHandler(),
          context.getClass(),
        ]) ?? [];
      const principal = context.switchToHttp().getRequest<{ user: Principal }>().user;
      const missing = required.filter((scope) => !principal.scopes.includes(scope));
      if (missing.length > 0) {
        throw new BearerError(
          'insufficient_scope',
          `the access token lacks the scope ${missing.join(' ')}`,
          403,
          required.join(' '),
        );
      }
      return true;
    } catch (error) {
      if (error instanceof BearerError) {
        const challenge = error.challenge(this.options.realm ?? 'portcullis');
        if (challenge) {
          const reply = context.switchToHttp().getResponse<ReplyLike>();
          if (reply.header) reply.header('WWW-Authenticate', challenge);
          else reply.setHeader?.('WWW-Authenticate', challenge);
        }
      }
      throw error;
    }
  }

  override handleRequest<TUser = Principal>(error: unknown, user: unknown, info: unknown): TUser {
    const cause = error ?? info;
    if (cause instanceof KeySourceUnavailableError) {
      throw new BearerError(
        'temporarily_unavailable',
        'token keys are unavailable, try again shortly',
        503,
      );
    }
    if (error instanceof Error && !(error instanceof UntrustedTokenError)) throw error;
    if (!user) throw new BearerError('invalid_token', describe(cause), 401);
    return user as TUser;
  }
}
