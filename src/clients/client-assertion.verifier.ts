import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import type { Client } from './client.entity.js';
import { ClientsService } from './clients.service.js';

/** Longest an assertion may live from `iat` to `exp`. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 3600;
export const ASSERTION_ALGORITHMS = ['RS256', 'ES256'];

export class AssertionRejected extends Error {}

export interface VerifiedAssertion {
  client: Client;
  claims: JWTPayload;
}

/**
 * Verifies a JWT a client signed with a key it registered (`jwks`), per RFC 7523: for the
 * jwt-bearer grant (§2.1) and for private_key_jwt client authentication (§2.2). Checks the
 * signature and `kid`, `iss` (the client), `sub`, `aud` (this issuer or one of its
 * endpoints), `exp`, `iat`, a bounded lifetime, and that the `jti` was never seen before.
 */
@Injectable()
export class ClientAssertionVerifier {
  constructor(
    private readonly clients: ClientsService,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async verify(assertion: string, audiences: string[]): Promise<VerifiedAssertion> {
    if (assertion.length > 8192) throw new AssertionRejected('the assertion is too large');
    let unverifiedIssuer: unknown;
    let kid: unknown;
    try {
      unverifiedIssuer = decodeJwt(assertion).iss;
      kid = decodeProtectedHeader(assertion).kid;
    } catch {
      throw new AssertionRejected('the assertion is not a JWT');
    }
    if (typeof unverifiedIssuer !== 'string' || unverifiedIssuer.length > 256) {
      throw new AssertionRejected('the assertion has no iss');
    }
    if (typeof kid !== 'string' || kid === '')
      throw new AssertionRejected('the assertion header has no kid');

    const client = await this.clients.findActive(unverifiedIssuer);
    if (!client?.jwks?.keys.length) {
      throw new AssertionRejected('no client with registered keys issued this assertion');
    }
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(assertion, createLocalJWKSet(client.jwks as never), {
        algorithms: ASSERTION_ALGORITHMS,
        issuer: client.clientId,
        audience: audiences,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        clockTolerance: this.config.clockSkewSeconds,
      }));
    } catch (error) {
      throw new AssertionRejected(`the assertion is not valid: ${describe(error)}`);
    }
    const { iat, exp, jti } = claims as { iat: number; exp: number; jti: unknown };
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) {
      throw new AssertionRejected('the assertion jti must be a string of at most 256 characters');
    }
    if (iat > Date.now() / 1000 + this.config.clockSkewSeconds)
      throw new AssertionRejected('the assertion was issued in the future');
    if (exp - iat > MAX_ASSERTION_LIFETIME_SECONDS) {
      throw new AssertionRejected(
        `the assertion may live at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`,
      );
    }
    // Single use: the jti is remembered until the assertion expires.
    const inserted = await this.dataSource.query<{ jti: string }[]>(
      `INSERT INTO used_assertions (client_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3))
       ON CONFLICT DO NOTHING RETURNING jti`,
      [client.clientId, jti, exp + this.config.clockSkewSeconds],
    );
    if (inserted.length === 0)
      throw new AssertionRejected('the assertion was already used (jti replayed)');
    return { client, claims };
  }

  /** The audiences an assertion for this server may name. */
  audiences(): string[] {
    const { issuer, tokenEndpoint, revocationEndpoint, introspectionEndpoint } = this.config;
    return [issuer, tokenEndpoint, revocationEndpoint, introspectionEndpoint];
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no registered key matches its kid';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return `algorithm not allowed (use ${ASSERTION_ALGORITHMS.join(' or ')})`;
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return (error as Error).message;
    default:
      return 'malformed or unverifiable';
  }
}
