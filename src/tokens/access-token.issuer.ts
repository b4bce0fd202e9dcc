import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { JwtSigner } from '../keys/jwt-signer.service.js';

export interface AccessTokenRequest {
  /** The resource owner; the client itself for client_credentials. */
  subject: string;
  clientId: string;
  scopes: string[];
  /** Lifetime in seconds; the configured ACCESS_TOKEN_TTL when omitted. */
  ttl?: number;
  /** Further claims, such as `username` or `session_name`. */
  claims?: Record<string, unknown>;
  /** The token id: the caller records it (audit) before the token is signed. */
  jti: string;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
  expiresAt: number;
}

/** Issues JWT access tokens per RFC 9068, signed with the active key. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    private readonly signer: JwtSigner,
    private readonly config: AppConfig,
  ) {}

  async issue(request: AccessTokenRequest): Promise<IssuedAccessToken> {
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = request.ttl ?? this.config.accessTokenTtl;
    const { jti } = request;
    const claims: Record<string, unknown> = {
      iss: this.config.issuer,
      sub: request.subject,
      aud: this.config.issuer,
      iat: now,
      exp: now + expiresIn,
      jti,
      client_id: request.clientId,
      scope: request.scopes.join(' '),
    };
    // Further claims never replace the registered ones above.
    if (request.claims) {
      for (const name of Object.keys(request.claims)) {
        if (!(name in claims)) claims[name] = request.claims[name];
      }
    }
    const token = await this.signer.sign('at+jwt', claims);
    return { token, jti, expiresIn, expiresAt: now + expiresIn };
  }
}
