import { Injectable } from '@nestjs/common';
import { jwtVerify, type JWTPayload } from 'jose';
import { AppConfig } from '../config/app-config.js';
import { ChangeFeed } from '../database/change-feed.service.js';
import { ChangedRowsCache } from '../database/changed-rows.cache.js';
import { KeysService } from '../keys/keys.service.js';

export interface AccessTokenClaims extends JWTPayload {
  jti: string;
  exp: number;
  iat: number;
  sub: string;
  client_id: string;
  scope?: string;
  username?: string;
}

/** Checks that a string is an unexpired access token this server signed (RFC 9068). */
@Injectable()
export class AccessTokenVerifier {
  /**
   * Tokens whose signature was checked, until they expire: resource servers introspect the
   * same token again and again. Any change to the signing keys drops them all.
   */
  private readonly verified: ChangedRowsCache<AccessTokenClaims>;

  constructor(
    private readonly keys: KeysService,
    private readonly config: AppConfig,
    feed: ChangeFeed,
  ) {
    this.verified = new ChangedRowsCache(feed, 'signing_keys', {
      ttlMs: config.accessTokenTtl * 1000,
      maxEntries: 10_000,
      wholeTable: true,
      ttlOf: (claims) => claims.exp * 1000 - Date.now(),
    });
  }

  /** The token's claims, or undefined for anything that is not a valid token of ours. */
  async verify(token: string): Promise<AccessTokenClaims | undefined> {
    if (token.length > 8192 || token.split('.').length !== 3) return undefined;
    const claims = await this.verified.get(token, () => this.verifySignature(token));
    return claims && claims.exp * 1000 > Date.now() ? claims : undefined;
  }

  private async verifySignature(token: string): Promise<AccessTokenClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, await this.keys.verificationKeys(), {
        issuer: this.config.issuer,
        // Every access token is issued for this server; any other aud is not one of ours.
        audience: this.config.issuer,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
        requiredClaims: ['jti', 'exp', 'iat', 'sub', 'client_id'],
      });
      return payload as AccessTokenClaims;
    } catch {
      return undefined;
    }
  }
}
