import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { BearerError } from './bearer-error.js';
import { BEARER_STRATEGY } from './bearer-jwt.strategy.js';
import { KeySourceUnavailableError, UntrustedTokenError } from './jwks-key-resolver.js';
import { IntrospectionUnavailableError, TokenIntrospector } from './token-introspector.js';
import type { Principal } from './principal.js';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';
import { ANY_SCOPE_KEY, PUBLIC_KEY, SCOPES_KEY } from './scopes.decorator.js';

/** Verified tokens remembered at most; the oldest is forgotten first. */
const VERIFIED_CACHE_SIZE = 10_000;

interface RouteRequirements {
  public: boolean;
  scopes: string[];
  anyOf: string[];
}

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
    private readonly introspector: TokenIntrospector,
  ) {
    super();
  }

  /**
   * Tokens already verified, by their exact string, until their `exp`: a client reuses its
   * token, and a signature check costs more than the rest of a request.
   */
  private readonly verified = new Map<string, { principal: Principal; expiresAt: number }>();

  /** What each route asks for, read from its decorators once. */
  private readonly routes = new WeakMap<object, RouteRequirements>();

  private requirements(context: ExecutionContext): RouteRequirements {
    const handler = context.getHandler();
    let route = this.routes.get(handler);
    if (!route) {
      const read = <T>(key: string) =>
        this.reflector.getAllAndOverride<T | undefined>(key, [handler, context.getClass()]);
      route = {
        public: read<boolean>(PUBLIC_KEY) === true,
        scopes: read<string[]>(SCOPES_KEY) ?? [],
        anyOf: read<string[]>(ANY_SCOPE_KEY) ?? [],
      };
      this.routes.set(handler, route);
    }
    return route;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.requirements(context);
    if (route.public) return true;
    try {
      const request = context
        .switchToHttp()
        .getRequest<{ user: Principal; headers: { authorization?: string } }>();
      const token = /^bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const cached = token ? this.verified.get(token) : undefined;
      if (cached && cached.expiresAt > Date.now()) {
        request.user = cached.principal;
      } else {
        await super.canActivate(context);
        if (token) this.remember(token, request.user);
      }
      const principal = request.user;
      if (this.introspector.enabled)
        await this.assertActive(principal, request.headers.authorization ?? '');
      const missing = route.scopes.filter((scope) => !principal.scopes.includes(scope));
      if (missing.length > 0) {
        throw new BearerError(
          'insufficient_scope',
          `the access token lacks the scope ${missing.join(' ')}`,
          403,
          route.scopes.join(' '),
        );
      }
      const { anyOf } = route;
      if (anyOf.length > 0 && !anyOf.some((scope) => principal.scopes.includes(scope))) {
        throw new BearerError(
          'insufficient_scope',
          `the access token needs one of the scopes ${anyOf.join(' ')}`,
          403,
          anyOf.join(' '),
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

  private remember(token: string, principal: Principal): void {
    const exp = principal.claims.exp;
    if (typeof exp !== 'number') return;
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      this.verified.delete(this.verified.keys().next().value!);
    }
    this.verified.set(token, { principal, expiresAt: exp * 1000 });
  }

  /** Revocation-aware mode: the issuer must still call the token active. */
  private async assertActive(principal: Principal, authorization: string): Promise<void> {
    const token = authorization.replace(/^bearer\s+/i, '');
    const jti = typeof principal.claims.jti === 'string' ? principal.claims.jti : token;
    try {
      if (!(await this.introspector.isActive(token, jti))) {
        throw new BearerError('invalid_token', 'the access token has been revoked', 401);
      }
    } catch (error) {
      if (error instanceof IntrospectionUnavailableError) {
        throw new BearerError(
          'temporarily_unavailable',
          'token status cannot be checked right now',
          503,
        );
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
