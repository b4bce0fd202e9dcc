import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { KeyEncryption } from '../keys/key-encryption.js';
import type { Client } from './client.entity.js';
import { openClientSecret } from './client-secret.encryption.js';
import { ClientsService } from './clients.service.js';

/** Longest an assertion may live from `iat` to `exp`. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 3600;
/**
 * Signatures with a key the client registered (`jwks`): RSA, RSA-PSS, P-256 and Ed25519
 * (`EdDSA`, and `Ed25519` as RFC 9864 names it and some libraries send).
 */
export const KEY_ASSERTION_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'];
/** MACs keyed with the client secret: client_secret_jwt (RFC 7523 §2.2, OIDC Core §9). */
export const SECRET_ASSERTION_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
/** Everything client authentication accepts, as discovery lists it. */
export const ASSERTION_ALGORITHMS = [...KEY_ASSERTION_ALGORITHMS, ...SECRET_ASSERTION_ALGORITHMS];

export class AssertionRejected extends Error {
  /**
   * @param explained whether the message may be shown to the caller as the error_description
   *   (it says how to fix the request and reveals nothing a client's metadata does not).
   */
  constructor(
    message: string,
    readonly explained = false,
  ) {
    super(message);
  }
}

export interface VerifiedAssertion {
  client: Client;
  claims: JWTPayload;
  /** The algorithm it was verified with. */
  alg: string;
}

/**
 * What the assertion is for. Client authentication (§2.2) takes an HMAC keyed with the
 * client's secret (client_secret_jwt) besides a registered key, and a header without `kid`
 * when one registered key fits its alg; the jwt-bearer grant (§2.1), whose assertion alone
 * obtains a token, takes registered keys named by `kid` only, as it always has.
 */
export type AssertionUse = 'client-authentication' | 'grant';

/**
 * Verifies a JWT a client signed, per RFC 7523: for the jwt-bearer grant (§2.1), with a key it
 * registered (`jwks`), and for client authentication (§2.2), with such a key (private_key_jwt)
 * or an HMAC keyed with its secret (client_secret_jwt). Checks the signature and `kid` (which
 * client authentication may leave out when exactly one registered key fits the algorithm:
 * RFC 7515 §4.1.4), `iss`
 * (the client), `sub`, `aud` (this issuer or one of its endpoints), `exp` and `iat` with
 * CLOCK_SKEW_SECONDS of leeway, a bounded lifetime, and that the `jti` was never seen before.
 */
@Injectable()
export class ClientAssertionVerifier {
  constructor(
    private readonly clients: ClientsService,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KeyEncryption) private readonly encryption: KeyEncryption,
  ) {}

  async verify(
    assertion: string,
    audiences: string[],
    use: AssertionUse = 'grant',
  ): Promise<VerifiedAssertion> {
    if (assertion.length > 8192) throw new AssertionRejected('the assertion is too large');
    let unverifiedIssuer: unknown;
    let alg: unknown;
    let kid: unknown;
    try {
      unverifiedIssuer = decodeJwt(assertion).iss;
      ({ alg, kid } = decodeProtectedHeader(assertion));
    } catch {
      throw new AssertionRejected('the assertion is not a JWT');
    }
    if (typeof unverifiedIssuer !== 'string' || unverifiedIssuer.length > 256) {
      throw new AssertionRejected('the assertion has no iss');
    }
    if (use === 'grant' && (typeof kid !== 'string' || kid === ''))
      throw new AssertionRejected('the assertion header has no kid');
    const client = await this.clients.findActive(unverifiedIssuer);
    if (!client) throw new AssertionRejected('no client issued this assertion');
    const { key, algorithms } = this.keyFor(client, alg, use);

    const skew = this.config.clockSkewSeconds;
    let claims: JWTPayload;
    let verifiedAlg: string;
    try {
      ({
        payload: claims,
        protectedHeader: { alg: verifiedAlg },
      } = await jwtVerify(assertion, key, {
        algorithms,
        issuer: client.clientId,
        audience: audiences,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        clockTolerance: skew,
      }));
    } catch (error) {
      if (error instanceof AssertionRejected) throw error;
      throw new AssertionRejected(`the assertion is not valid: ${describe(error)}`);
    }
    const { iat, exp, jti } = claims as { iat: number; exp: number; jti: unknown };
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) {
      throw new AssertionRejected('the assertion jti must be a string of at most 256 characters');
    }
    if (iat > Date.now() / 1000 + skew)
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
      [client.clientId, jti, exp + skew],
    );
    if (inserted.length === 0)
      throw new AssertionRejected('the assertion was already used (jti replayed)');
    return { client, claims, alg: verifiedAlg };
  }

  /** The audiences an assertion for this server may name. */
  audiences(): string[] {
    const { issuer, tokenEndpoint, revocationEndpoint, introspectionEndpoint } = this.config;
    return [issuer, tokenEndpoint, revocationEndpoint, introspectionEndpoint];
  }

  /**
   * The key that must have signed an assertion of `alg`, and the algorithms it may sign
   * with: the kind of key follows from how the client registered, never from the header
   * alone, so an HMAC can never be checked against a public key, nor a signature against
   * the secret.
   */
  private keyFor(
    client: Client,
    alg: unknown,
    use: AssertionUse,
  ): { key: KeyObject | JWTVerifyGetKey; algorithms: string[] } {
    if (typeof alg === 'string' && SECRET_ASSERTION_ALGORITHMS.includes(alg)) {
      if (
        use !== 'client-authentication' ||
        client.tokenEndpointAuthMethod !== 'client_secret_jwt'
      ) {
        throw new AssertionRejected(
          `${alg} assertions are for clients registered for client_secret_jwt`,
        );
      }
      if (!client.secretEncrypted) throw new AssertionRejected('the client has no stored secret');
      const secret = openClientSecret(this.encryption, client.clientId, client.secretEncrypted);
      return { key: createSecretKey(Buffer.from(secret)), algorithms: SECRET_ASSERTION_ALGORITHMS };
    }
    if (!client.jwks?.keys.length) {
      throw new AssertionRejected('the client has no registered keys to verify the assertion');
    }
    const registered = createLocalJWKSet(client.jwks);
    const key: JWTVerifyGetKey = async (header, token) => {
      try {
        return await registered(header, token);
      } catch (error) {
        // jose would try each key in turn; RFC 7515 §4.1.4 leaves the choice to the server,
        // and a signature that verifies with one of several keys says less than the client meant.
        if ((error as { code?: string }).code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
          throw new AssertionRejected(
            header.kid === undefined
              ? `the client has several registered keys for ${header.alg}: the assertion header must name one with kid`
              : 'several registered keys have this kid',
            true,
          );
        }
        throw error;
      }
    };
    return { key, algorithms: KEY_ASSERTION_ALGORITHMS };
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no registered key matches its kid and alg';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return `algorithm not allowed (use one of ${ASSERTION_ALGORITHMS.join(', ')})`;
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return (error as Error).message;
    default:
      return 'malformed or unverifiable';
  }
}
