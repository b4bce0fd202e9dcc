import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { BearerError } from './bearer-error.js';
import { protectedResourceMetadataUrl } from './protected-resource-metadata.js';
import { IntrospectionUnavailableError, TokenIntrospector } from './token-introspector.js';
import type { Principal } from './principal.js';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';
import { ANY_SCOPE_KEY, PUBLIC_KEY, SCOPES_KEY } from './scopes.decorator.js';
import { VerifiedTokens } from './verified-tokens.js';

/** RFC 6750 §2.1: the scheme, then the token, alone in the header. */
const BEARER = /^bearer\s+(\S+)$/i;

interface RouteRequirements {
  public: boolean;
  scopes: string[];
  anyOf: string[];
}

interface ReplyLike {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/**
 * Accepts `Authorization: Bearer <JWT>` access tokens and checks the scopes named with
 * @Scopes(). Refusals follow RFC 6750 §3: 401 invalid_token or 403 insufficient_scope,
 * with a WWW-Authenticate challenge and the same error as JSON.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(RESOURCE_SERVER_OPTIONS) private readonly options: ResourceServerOptions,
    private readonly introspector: TokenIntrospector,
    private readonly verifier: AccessTokenVerifier,
    private readonly verified: VerifiedTokens,
  ) {
    const metadata = options.resourceMetadata;
    this.resourceMetadataUrl = metadata && protectedResourceMetadataUrl(metadata.resource);
  }

  /**
   * RFC 9728 §5.1, which allows it on any challenge: named on 403 insufficient_scope too, where
   * the metadata's scopes_supported tells the client what it may ask for.
   */
  private readonly resourceMetadataUrl?: string;

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

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.requirements(context);
    if (route.public) return true;
    try {
      const request = context
        .switchToHttp()
        .getRequest<{ user: Principal; headers: { authorization?: string } }>();
      const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
      if (!token) throw new BearerError('invalid_token', 'a bearer access token is required', 401);
      const principal =
        this.verified.get(token) ??
        this.verified.remember(token, await this.verifier.verify(token));
      request.user = principal;
      if (this.introspector.enabled) await this.assertActive(principal, token);
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
        const challenge = error.challenge(
          this.options.realm ?? 'portcullis',
          this.resourceMetadataUrl,
        );
        if (challenge) {
          const reply = context.switchToHttp().getResponse<ReplyLike>();
          if (reply.header) reply.header('WWW-Authenticate', challenge);
          else reply.setHeader?.('WWW-Authenticate', challenge);
        }
      }
      throw error;
    }
  }

  /** Revocation-aware mode: the issuer must still call the token active. */
  private async assertActive(principal: Principal, token: string): Promise<void> {
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
}
