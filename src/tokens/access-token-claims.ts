import { Injectable } from '@nestjs/common';
import {
  AccessTokenVerifier,
  BearerError,
  VerifiedTokens,
  type AccessTokenPrincipal,
} from '@portcullis/nest-resource-server';
import type { JWTPayload } from 'jose';
import { ApisService } from '../apis/apis.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { AppConfig } from '../config/app-config.js';
import { AccessTokenStore } from './access-token.store.js';

/** The claims of an access token this server signed (RFC 9068), as introspection reads them. */
export interface AccessTokenClaims extends JWTPayload {
  jti: string;
  exp: number;
  iat: number;
  sub: string;
  client_id: string;
  scope?: string;
  username?: string;
}

/** No access token of ours is longer; a longer string is not worth a signature check. */
const MAX_TOKEN_LENGTH = 8192;

/**
 * Reads an access token for introspection and revocation — of any audience Portcullis issues
 * for, its own and every registered API's — where a string that is not a valid token of ours
 * is an answer (try the other kind of token), not an error. The signature and
 * the RFC 9068 checks are the guard's own (`AccessTokenVerifier`, fed with this server's keys
 * in-process), and a verified token goes into the guard's `VerifiedTokens`: the server keeps
 * one cache of verified tokens, for its own routes and for these endpoints alike.
 *
 * Nothing drops that cache when the signing keys change: keys are never deleted, only
 * rotated, and a retired key stays published until every token it signed has expired
 * (`KeysService`), so a signature once verified stays good until the token's `exp`.
 */
@Injectable()
export class AccessTokenClaimsReader {
  /**
   * Tokens for other audiences (registered APIs), verified here only: the guard's cache must
   * hold only tokens Portcullis's own routes accept.
   */
  private readonly verifiedForApis = new VerifiedTokens();

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly verified: VerifiedTokens,
    private readonly config: AppConfig,
    private readonly apis: ApisService,
    private readonly issued: AccessTokenStore,
  ) {}

  /**
   * The token's claims, or undefined for anything that is not a valid, unexpired token of
   * ours. Throws only when the keys cannot be read (503, as when the database is down).
   */
  async read(token: string): Promise<AccessTokenClaims | undefined> {
    if (token.length > MAX_TOKEN_LENGTH || !isCompactJws(token)) return undefined;
    let claims: Record<string, unknown>;
    try {
      claims = (
        this.verified.get(token) ??
        this.verifiedForApis.get(token) ??
        (await this.remember(token, await this.verifier.verifyAnyAudience(token)))
      ).claims;
    } catch (error) {
      if (!(error instanceof BearerError)) throw error;
      // Any refusal says the string is not a valid token of ours.
      if (error.error === 'invalid_token') return undefined;
      // The keys could not be read, so neither can the database as a rule: the answer is the
      // one every request gets then.
      throw new OAuthError('temporarily_unavailable', error.description, {
        headers: { 'Retry-After': '1' },
      });
    }
    // Expired at `exp` exactly: the guard's clock tolerance is for other servers' clocks.
    return hasAccessTokenClaims(claims) && claims.exp * 1000 > Date.now() ? claims : undefined;
  }

  /**
   * Keeps a verified token in the cache its audience belongs in: the guard's when Portcullis's
   * own routes accept it, the one for APIs when it is for a registered API, or for one deleted
   * since (then its index row says this server issued it). A token for any other audience was
   * not issued by this server: not a token of ours.
   */
  private async remember(
    token: string,
    principal: AccessTokenPrincipal,
  ): Promise<AccessTokenPrincipal> {
    const audiences = ([] as unknown[]).concat(principal.claims.aud ?? []);
    if (audiences.includes(this.config.issuer)) return this.verified.remember(token, principal);
    const catalog = await this.apis.catalog();
    const known = audiences.some((aud) => typeof aud === 'string' && catalog.has(aud));
    // An API deleted since still has its live tokens, which its client may revoke.
    const { client_id: clientId, jti } = principal.claims;
    const issued =
      known ||
      (typeof clientId === 'string' &&
        typeof jti === 'string' &&
        (await this.issued.wasIssued(clientId, jti)));
    if (!issued)
      throw new BearerError(
        'invalid_token',
        'the access token is not meant for this audience',
        401,
      );
    return this.verifiedForApis.remember(token, principal);
  }
}

/** Three dot-separated parts, the shape of a signed JWT. */
function isCompactJws(token: string): boolean {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return first > -1 && second > -1 && token.indexOf('.', second + 1) === -1;
}

/** Every claim introspection and revocation rely on, each of its type. */
function hasAccessTokenClaims(claims: Record<string, unknown>): claims is AccessTokenClaims {
  return (
    typeof claims.jti === 'string' &&
    typeof claims.exp === 'number' &&
    typeof claims.iat === 'number' &&
    typeof claims.sub === 'string' &&
    typeof claims.client_id === 'string'
  );
}
