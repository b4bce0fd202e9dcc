import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { BearerError } from './bearer-error.js';
import { DpopBinding } from './dpop-binding.js';
import { protectedResourceMetadataUrl } from './protected-resource-metadata.js';
import { IntrospectionUnavailableError, TokenIntrospector } from './token-introspector.js';
import type { Principal } from './principal.js';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';
import type { HttpRequestLike } from './request-url.js';
import { ANY_SCOPE_KEY, PUBLIC_KEY, SCOPES_KEY } from './scopes.decorator.js';
import { VerifiedTokens } from './verified-tokens.js';

/** RFC 6750 §2.1 and RFC 9449 §7.1: the scheme, then the token, alone in the header. */
const AUTHORIZATION = /^(bearer|dpop)\s+(\S+)$/i;

interface RouteRequirements {
  public: boolean;
  scopes: string[];
  anyOf: string[];
}

interface ReplyLike {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/** Fastify's reply.header or Node's (Express's) response.setHeader. */
function setHeader(reply: ReplyLike, name: string, value: string): void {
  if (reply.header) reply.header(name, value);
  else reply.setHeader?.(name, value);
}

/**
 * Accepts `Authorization: Bearer <JWT>` access tokens, and `Authorization: DPoP <JWT>` with a
 * `DPoP` proof for DPoP-bound ones (RFC 9449 §7), and checks the scopes named with @Scopes().
 * Refusals follow RFC 6750 §3 (and RFC 9449 §7.1 under DPoP): 401 invalid_token (or
 * invalid_dpop_proof, use_dpop_nonce) or 403 insufficient_scope, with a WWW-Authenticate
 * challenge and the same error as JSON.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(RESOURCE_SERVER_OPTIONS) private readonly options: ResourceServerOptions,
    private readonly introspector: TokenIntrospector,
    private readonly verifier: AccessTokenVerifier,
    private readonly verified: VerifiedTokens,
    private readonly dpop: DpopBinding,
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
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequestLike & { user: Principal }>();
    const reply = http.getResponse<ReplyLike>();
    // Refusals are challenged under DPoP when the request or the token speaks it, or the
    // resource takes nothing else (RFC 9449 §7.1).
    let underDpop = this.dpop.required;
    try {
      const authorization = request.headers.authorization;
      const match = AUTHORIZATION.exec(typeof authorization === 'string' ? authorization : '');
      const scheme = match?.[1]!.toLowerCase();
      const token = match?.[2];
      if (scheme === 'dpop') underDpop = true;
      if (!token) {
        throw new BearerError(
          'invalid_token',
          this.dpop.required
            ? 'a DPoP-bound access token is required'
            : 'a bearer access token is required',
          401,
        );
      }
      const principal =
        this.verified.get(token) ??
        this.verified.remember(token, await this.verifier.verify(token));
      if (principal.jkt !== undefined) underDpop = true;
      await this.checkBinding(request, scheme, token, principal);
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
      if (underDpop) {
        // RFC 9449 §8.2: a fresh nonce with any answer spares the client a refused request.
        const nonce = this.dpop.currentNonce();
        if (nonce) setHeader(reply, 'DPoP-Nonce', nonce);
      }
      return true;
    } catch (error) {
      if (error instanceof BearerError) {
        const refusal =
          underDpop && !error.dpop && error.error !== 'temporarily_unavailable'
            ? error.underDpop(this.dpop.challenge())
            : error;
        const headers = refusal.headers(
          this.options.realm ?? 'portcullis',
          this.resourceMetadataUrl,
        );
        for (const [name, value] of Object.entries(headers)) setHeader(reply, name, value);
        throw refusal;
      }
      throw error;
    }
  }

  /**
   * RFC 9449 §7.1-7.2: a DPoP-bound token only under the DPoP scheme and with a proof of its
   * key, an unbound one only under Bearer (and not at all where DPoP is required).
   */
  private async checkBinding(
    request: HttpRequestLike,
    scheme: string | undefined,
    token: string,
    principal: Principal,
  ): Promise<void> {
    if (principal.jkt !== undefined) {
      if (scheme !== 'dpop') {
        throw new BearerError(
          'invalid_token',
          'the access token is DPoP-bound: send it under the DPoP scheme with a proof',
          401,
        );
      }
      await this.dpop.prove(request, token, principal.jkt);
    } else if (scheme === 'dpop') {
      throw new BearerError(
        'invalid_token',
        'the access token is not DPoP-bound: send it under the Bearer scheme',
        401,
      );
    } else if (this.dpop.required) {
      throw new BearerError(
        'invalid_token',
        'this resource accepts DPoP-bound access tokens only',
        401,
      );
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
