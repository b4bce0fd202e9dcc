import { Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { AppConfig } from '../config/app-config.js';
import { KeysService } from '../keys/keys.service.js';

export interface IdTokenRequest {
  userId: string;
  clientId: string;
  authTime: Date;
  nonce: string | null;
}

/** OpenID Connect Core §2 ID tokens, signed with the same keys as access tokens. */
@Injectable()
export class IdTokenIssuer {
  constructor(
    private readonly keys: KeysService,
    private readonly config: AppConfig,
  ) {}

  issue(request: IdTokenRequest): Promise<string> {
    const { kid, alg, privateKey } = this.keys.signingKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      auth_time: Math.floor(request.authTime.getTime() / 1000),
      ...(request.nonce ? { nonce: request.nonce } : {}),
    })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(this.config.issuer)
      .setSubject(request.userId)
      .setAudience(request.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + this.config.accessTokenTtl)
      .sign(privateKey);
  }
}
