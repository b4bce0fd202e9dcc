import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { actorOf } from './actor-chain.js';
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
    claims,
  };
}
