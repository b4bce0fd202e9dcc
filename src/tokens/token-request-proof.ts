import { Injectable } from '@nestjs/common';
import { DpopProofError, verifyDpopProof } from '@portcullis/nest-resource-server';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../common/oauth-error.js';
import { AppConfig } from '../config/app-config.js';
import { DpopNonces } from './dpop-nonces.js';
import { PostgresDpopReplayStore } from './dpop-replay.store.js';

/** How old a proof may be (its `iat`, beyond CLOCK_SKEW_SECONDS): clients sign one per request. */
export const DPOP_PROOF_MAX_AGE_SECONDS = 300;

/**
 * The DPoP proof of a token request (RFC 9449 §4.3, §5), or of a pushed authorization request
 * (§10.1): at most one `DPoP` header, a proof for `POST` at that endpoint, with the server nonce when DPOP_NONCE asks for one, and
 * never seen before by any instance (its `jti` is spent in PostgreSQL). Answers the
 * thumbprint of the proof's key, which the grant binds the tokens to; undefined when the
 * request carries no proof.
 */
@Injectable()
export class TokenRequestProof {
  constructor(
    private readonly config: AppConfig,
    private readonly nonces: DpopNonces,
    private readonly replays: PostgresDpopReplayStore,
  ) {}

  /** Whether a successful answer hands out a nonce for the client's next proof. */
  get nonceRequired(): boolean {
    return this.config.dpopNonce !== 'off';
  }

  /** The `DPoP-Nonce` to answer with (RFC 9449 §8). */
  nonce(): string {
    return this.nonces.current();
  }

  async keyOf(
    request: FastifyRequest,
    endpoint = this.config.tokenEndpoint,
  ): Promise<string | undefined> {
    const proof = this.header(request);
    if (proof === undefined) return undefined;
    try {
      const verified = await verifyDpopProof(proof, {
        method: 'POST',
        url: endpoint,
        nonce: this.nonceRequired ? (nonce) => this.nonces.accepts(nonce) : undefined,
        clockSkewSeconds: this.config.clockSkewSeconds,
        maxAgeSeconds: DPOP_PROOF_MAX_AGE_SECONDS,
      });
      // Kept until the proof is too old to be accepted anyway.
      const expiresAt = verified.iat + DPOP_PROOF_MAX_AGE_SECONDS + this.config.clockSkewSeconds;
      if (!(await this.replays.use(verified.jti, verified.jkt, expiresAt)))
        throw new DpopProofError('invalid_dpop_proof', 'the DPoP proof was used before (jti)');
      return verified.jkt;
    } catch (error) {
      if (!(error instanceof DpopProofError)) throw error;
      // RFC 9449 §8: the error carries the nonce to retry with.
      const headers: Record<string, string> =
        error.error === 'use_dpop_nonce' ? { 'DPoP-Nonce': this.nonces.current() } : {};
      throw new OAuthError(error.error, error.message, { status: 400, headers });
    }
  }

  /**
   * The one `DPoP` header (RFC 9449 §4.3 step 1). Node joins repeated headers it does not
   * know, so they are counted in the raw list.
   */
  private header(request: FastifyRequest): string | undefined {
    const raw = request.raw.rawHeaders;
    let value: string | undefined;
    let count = 0;
    for (let index = 0; index < raw.length; index += 2) {
      if (raw[index].length === 4 && raw[index].toLowerCase() === 'dpop') {
        value = raw[index + 1];
        count += 1;
      }
    }
    if (count > 1) {
      throw new OAuthError('invalid_dpop_proof', 'send one DPoP header, not several', {
        status: 400,
      });
    }
    return value;
  }
}
