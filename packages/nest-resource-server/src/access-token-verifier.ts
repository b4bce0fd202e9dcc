import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { actorOf } from './actor-chain.js';
import { BearerError } from './bearer-error.js';
import { IssuerKeys } from './issuer-keys.js';
import type { Principal } from './principal.js';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';
import { bearerErrorFor } from './verification-failure.js';

/** Verifies RFC 9068 access tokens against the issuer's keys, with jose. */
@Injectable()
export class AccessTokenVerifier {
  private readonly checks: JWTVerifyOptions;
  private readonly anyAudienceChecks: JWTVerifyOptions;

  constructor(
    @Inject(RESOURCE_SERVER_OPTIONS) options: ResourceServerOptions,
    private readonly keys: IssuerKeys,
  ) {
    this.checks = {
      issuer: options.issuer,
      audience: options.audience,
      // Asymmetric only: never `none`, never HMAC keyed with a public key.
      algorithms: options.algorithms ?? ['ES256', 'RS256'],
      // RFC 9068 §4; jose also takes `application/at+jwt`, in any case.
      typ: 'at+jwt',
      clockTolerance: options.clockToleranceSeconds ?? 5,
    };
    this.anyAudienceChecks = { ...this.checks, audience: undefined };
  }

  /** The principal of a valid token; otherwise throws the BearerError to answer with. */
  verify(token: string): Promise<Principal> {
    return this.verifyWith(token, this.checks);
  }

  /**
   * Like `verify`, whatever the token's audience: for the authorization server itself, which
   * introspects and revokes the tokens it issued for every API. A resource server must never
   * accept a token this way.
   */
  verifyAnyAudience(token: string): Promise<Principal> {
    return this.verifyWith(token, this.anyAudienceChecks);
  }

  private async verifyWith(token: string, checks: JWTVerifyOptions): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.keys.getKey, checks);
      return principalOf(payload);
    } catch (error) {
      throw bearerErrorFor(error) ?? error;
    }
  }
}

function principalOf(claims: JWTPayload): Principal {
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    sub: str(claims.sub) ?? '',
    clientId: str(claims.client_id) ?? '',
    scopes: (str(claims.scope) ?? '').split(' ').filter(Boolean),
    username: str(claims.username),
    sessionName: str(claims.session_name),
    actor: actorOf(claims.act),
    jkt: boundKeyOf(claims.cnf),
    claims,
  };
}

/**
 * The key a token is bound to (RFC 7800 `cnf`, RFC 9449 §6.1 `jkt`). A `cnf` this guard cannot
 * check (another confirmation method, such as mTLS's `x5t#S256`) refuses the token: read as
 * a bearer token, it would let anyone holding it in.
 */
function boundKeyOf(cnf: unknown): string | undefined {
  if (cnf === undefined) return undefined;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  if (typeof jkt === 'string' && /^[A-Za-z0-9_-]{43}$/.test(jkt)) return jkt;
  throw new BearerError(
    'invalid_token',
    'the access token is bound by a confirmation method this resource cannot check',
    401,
  );
}
