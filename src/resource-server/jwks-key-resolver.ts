import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey, KeyObject } from 'node:crypto';
import { IssuerMetadata } from './issuer-metadata.js';
import {
  JsonWebKeySetDocument,
  RESOURCE_SERVER_OPTIONS,
  type ResourceServerOptions,
} from './resource-server.options.js';

/** The token is not one this server accepts (bad header, unknown key). */
export class UntrustedTokenError extends Error {}

/** The issuer's keys could not be fetched; the request cannot be judged now. */
export class KeySourceUnavailableError extends Error {}

const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);

/**
 * Finds the public key a JWT names by `kid`, from the issuer's JWKS. Keys are cached; an
 * unknown `kid` triggers at most one refetch of a remote JWKS per interval, so a rotation
 * at the issuer is picked up without a restart and a flood of forged kids cannot hammer the
 * issuer.
 */
@Injectable()
export class JwksKeyResolver {
  private keys = new Map<string, { key: KeyObject; alg?: string }>();
  private lastFetch = 0;
  private inflight?: Promise<void>;
  private readonly algorithms: Set<string>;

  constructor(
    @Inject(RESOURCE_SERVER_OPTIONS) private readonly options: ResourceServerOptions,
    private readonly metadata: IssuerMetadata,
  ) {
    this.algorithms = new Set(options.algorithms ?? ['ES256', 'RS256']);
  }

  /** Checks the header of a compact JWT and returns the key to verify it with. */
  async keyFor(token: string): Promise<KeyObject> {
    const header = this.decodeHeader(token);
    let entry = this.keys.get(header.kid);
    // An in-process source caches for itself; a remote JWKS is refetched at most once per interval.
    const interval = (this.options.jwksRefetchIntervalSeconds ?? 2) * 1000;
    if (!entry && (this.options.jwks || Date.now() - this.lastFetch >= interval)) {
      await this.refresh();
      entry = this.keys.get(header.kid);
    }
    if (!entry) throw new UntrustedTokenError('unknown signing key');
    if (entry.alg && entry.alg !== header.alg) {
      throw new UntrustedTokenError('algorithm does not match the signing key');
    }
    return entry.key;
  }

  private decodeHeader(token: string): { kid: string; alg: string } {
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(
        Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'),
      ) as Record<string, unknown>;
    } catch {
      throw new UntrustedTokenError('malformed token');
    }
    if (typeof header !== 'object' || header === null)
      throw new UntrustedTokenError('malformed token');
    const { alg, kid, typ, crit } = header;
    // RFC 7515 §4.1.11: extensions listed in crit must be understood; this library knows none.
    if (crit !== undefined) throw new UntrustedTokenError('unsupported critical header (crit)');
    if (typeof alg !== 'string' || !this.algorithms.has(alg)) {
      throw new UntrustedTokenError('signature algorithm not accepted');
    }
    if (typeof typ !== 'string' || !ACCESS_TOKEN_TYPES.has(typ.toLowerCase())) {
      throw new UntrustedTokenError('not an access token (typ must be at+jwt)');
    }
    if (typeof kid !== 'string' || kid.length === 0)
      throw new UntrustedTokenError('token has no kid');
    return { kid, alg };
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.fetchKeys()
      .then((document) => {
        const keys = new Map<string, { key: KeyObject; alg?: string }>();
        for (const jwk of document.keys ?? []) {
          if (!jwk.kid || (jwk.use && jwk.use !== 'sig') || 'd' in jwk) continue;
          try {
            keys.set(jwk.kid, {
              key: createPublicKey({ key: jwk, format: 'jwk' }),
              alg: jwk.alg,
            });
          } catch {
            // A key this runtime cannot import is skipped, not fatal for the others.
          }
        }
        this.keys = keys;
        this.lastFetch = Date.now();
      })
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async fetchKeys(): Promise<JsonWebKeySetDocument> {
    try {
      if (this.options.jwks) return await this.options.jwks();
      const uri = (await this.metadata.get()).jwksUri;
      const response = await fetch(uri, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      return (await response.json()) as JsonWebKeySetDocument;
    } catch (error) {
      throw new KeySourceUnavailableError(
        `the issuer's keys could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
