import { Injectable } from '@nestjs/common';
import type { Scope } from '../common/scope.js';
import { randomToken } from '../common/secrets.js';
import { AppConfig } from '../config/app-config.js';
import { JwtSigner } from '../keys/jwt-signer.service.js';

/** A token's id and lifetime, chosen before it is recorded and signed with them. */
export interface AccessTokenId {
  jti: string;
  /** Epoch seconds. */
  iat: number;
  exp: number;
}

export interface AccessTokenRequest {
  /** The resource owner; the client itself for client_credentials. */
  subject: string;
  /** The one API the token is for (RFC 8707, RFC 9068 §3): the issuer for its own. */
  audience: string;
  clientId: string;
  scope: Scope;
  /** Further claims, such as `username` or `session_name`. */
  claims?: Record<string, unknown>;
  /** RFC 9449 §6.1: the thumbprint of the DPoP key the token is bound to (`cnf.jkt`). */
  dpopJkt?: string;
}

/** Issues JWT access tokens per RFC 9068, signed with the active key. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    private readonly signer: JwtSigner,
    private readonly config: AppConfig,
  ) {}

  /** A new token's id, valid from now for `ttl` seconds (ACCESS_TOKEN_TTL when omitted). */
  newId(ttl?: number): AccessTokenId {
    const iat = Math.floor(Date.now() / 1000);
    return { jti: randomToken(16), iat, exp: iat + (ttl ?? this.config.accessTokenTtl) };
  }

  sign(request: AccessTokenRequest, id: AccessTokenId): Promise<string> {
    const claims: Record<string, unknown> = {
      iss: this.config.issuer,
      sub: request.subject,
      aud: request.audience,
      iat: id.iat,
      exp: id.exp,
      jti: id.jti,
      client_id: request.clientId,
      scope: request.scope.toString(),
    };
    if (request.dpopJkt !== undefined) claims.cnf = { jkt: request.dpopJkt };
    // Further claims never replace the registered ones above.
    if (request.claims) {
      for (const name of Object.keys(request.claims)) {
        if (!(name in claims)) claims[name] = request.claims[name];
      }
    }
    return this.signer.sign('at+jwt', claims);
  }
}
