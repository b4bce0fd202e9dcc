import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { JwtSigner } from '../keys/jwt-signer.service.js';
import type { SigningAlg } from '../keys/signing-algorithms.js';

export interface IdTokenRequest {
  userId: string;
  clientId: string;
  /** The client's `id_token_signed_response_alg`; null: SIGNING_ALG. */
  alg: SigningAlg | null;
  authTime: Date;
  nonce: string | null;
}

/**
 * OpenID Connect Core §2 ID tokens, signed with the key of the client's registered algorithm
 * (OIDC Registration §2), or with SIGNING_ALG's, the access tokens' key.
 */
@Injectable()
export class IdTokenIssuer {
  constructor(
    private readonly signer: JwtSigner,
    private readonly config: AppConfig,
  ) {}

  issue(request: IdTokenRequest): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.signer.sign(
      'JWT',
      {
        iss: this.config.issuer,
        sub: request.userId,
        aud: request.clientId,
        iat: now,
        exp: now + this.config.accessTokenTtl,
        auth_time: Math.floor(request.authTime.getTime() / 1000),
        ...(request.nonce ? { nonce: request.nonce } : {}),
      },
      request.alg ?? undefined,
    );
  }
}
