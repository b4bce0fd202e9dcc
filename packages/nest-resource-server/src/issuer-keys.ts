import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { createInProcessKeySet } from './in-process-key-set.js';
import { IssuerMetadata } from './issuer-metadata.js';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';

/** The issuer's keys could not be fetched; the request cannot be judged now. */
export class KeySourceUnavailableError extends Error {}

/**
 * The issuer's public keys, for jose's `jwtVerify`. A key is chosen by the token's `kid` (and
 * `alg`) from the issuer's JWKS only: `jku`, `x5u` and `jwk` headers are never followed.
 */
@Injectable()
export class IssuerKeys {
  private readonly inProcess?: JWTVerifyGetKey;
  private remote?: { uri: string; keys: JWTVerifyGetKey };

  constructor(
    @Inject(RESOURCE_SERVER_OPTIONS) private readonly options: ResourceServerOptions,
    private readonly metadata: IssuerMetadata,
  ) {
    if (options.jwks) this.inProcess = createInProcessKeySet(options.jwks);
  }

  /** jose's key lookup: the key the token names, or why there is none. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    // Without a kid jose would try whichever key fits the alg; Portcullis always names one.
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new errors.JWKSNoMatchingKey('the token names no key (kid)');
    }
    try {
      const keys = this.inProcess ?? (await this.remoteKeys());
      return await keys(header, token);
    } catch (error) {
      // These say the token's header fits no published key; anything else is the source failing.
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys
      ) {
        throw error;
      }
      throw new KeySourceUnavailableError(
        `the issuer's keys could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  };

  private async remoteKeys(): Promise<JWTVerifyGetKey> {
    const { jwksUri } = await this.metadata.get();
    if (this.remote?.uri !== jwksUri) {
      this.remote = {
        uri: jwksUri,
        keys: createRemoteJWKSet(new URL(jwksUri), {
          // An unknown kid refetches at most once per interval: a rotation is picked up
          // without a restart, and forged kids cost the issuer one request per interval.
          cooldownDuration: (this.options.jwksRefetchIntervalSeconds ?? 2) * 1000,
          // Keys are kept until an unknown kid refetches them, as before, so tokens keep
          // verifying while the issuer is unreachable; past jose's default maximum age,
          // requests would wait on a refetch, and be refused while it fails.
          cacheMaxAge: Infinity,
          timeoutDuration: 5000,
        }),
      };
    }
    return this.remote.keys;
  }
}
