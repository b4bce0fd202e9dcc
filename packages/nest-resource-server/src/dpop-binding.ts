import { Inject, Injectable, Logger } from '@nestjs/common';
import { BearerError, type DpopChallengeParameters } from './bearer-error.js';
import { DPOP_ALGORITHMS, DpopProofError, verifyDpopProof } from './dpop-proof.js';
import {
  DEFAULT_DPOP_REPLAY_CACHE_ENTRIES,
  DpopReplayCacheFullError,
  InMemoryDpopReplayCache,
  type DpopReplayStore,
} from './dpop-replay.js';
import { publicBaseUrlOf, requestUrl, type HttpRequestLike } from './request-url.js';
import {
  RESOURCE_SERVER_OPTIONS,
  type DpopNonceSource,
  type ResourceServerOptions,
} from './resource-server.options.js';

/** The proof window's defaults: a proof is made for one request, just before it is sent. */
export const DEFAULT_DPOP_MAX_AGE_SECONDS = 60;
export const DEFAULT_DPOP_CLOCK_SKEW_SECONDS = 10;

/**
 * Checks that a request proves possession of the key a DPoP-bound token names (RFC 9449 §7.1):
 * one valid proof in the `DPoP` header, for this method, URL and token, signed by that key,
 * with the server nonce when nonces are on, and never seen before.
 */
@Injectable()
export class DpopBinding {
  private readonly logger = new Logger('ResourceServer');
  readonly required: boolean;
  private readonly nonce?: DpopNonceSource;
  private readonly replay: DpopReplayStore;
  private readonly publicBaseUrl?: string;
  private readonly clockSkewSeconds: number;
  private readonly maxAgeSeconds: number;

  constructor(@Inject(RESOURCE_SERVER_OPTIONS) options: ResourceServerOptions) {
    const dpop = options.dpop ?? {};
    this.required = dpop.required === true;
    this.nonce = dpop.nonce;
    this.replay =
      dpop.replayStore ??
      new InMemoryDpopReplayCache(dpop.replayCacheEntries ?? DEFAULT_DPOP_REPLAY_CACHE_ENTRIES);
    this.publicBaseUrl =
      dpop.publicBaseUrl === undefined ? undefined : publicBaseUrlOf(dpop.publicBaseUrl);
    this.clockSkewSeconds = dpop.clockSkewSeconds ?? DEFAULT_DPOP_CLOCK_SKEW_SECONDS;
    this.maxAgeSeconds = dpop.maxAgeSeconds ?? DEFAULT_DPOP_MAX_AGE_SECONDS;
  }

  /** What a refusal under the DPoP scheme carries: `algs`, and a fresh nonce when they are on. */
  challenge(): DpopChallengeParameters {
    return { algs: DPOP_ALGORITHMS, nonce: this.nonce?.current() };
  }

  /** The nonce to hand out with a successful answer, when nonces are on. */
  currentNonce(): string | undefined {
    return this.nonce?.current();
  }

  /**
   * Resolves when the request proves possession of the key `jkt`; otherwise throws the
   * BearerError to answer with (under the DPoP scheme).
   */
  async prove(request: HttpRequestLike, accessToken: string, jkt: string): Promise<void> {
    const refuse = (
      error: 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token',
      text: string,
    ) => new BearerError(error, text, 401, undefined, this.challenge());
    const proof = request.headers.dpop;
    // Node joins repeated DPoP headers with a comma, which no compact JWS contains.
    if (typeof proof !== 'string' || proof === '') {
      throw refuse('invalid_dpop_proof', 'a DPoP proof (the DPoP header) is required');
    }
    const url = requestUrl(request, this.publicBaseUrl);
    if (url === undefined) {
      throw refuse('invalid_dpop_proof', 'the request URL cannot be determined for the proof');
    }
    const nonce = this.nonce;
    let verified;
    try {
      verified = await verifyDpopProof(proof, {
        method: request.method,
        url,
        accessToken,
        nonce: nonce && ((given) => given !== undefined && nonce.check(given)),
        clockSkewSeconds: this.clockSkewSeconds,
        maxAgeSeconds: this.maxAgeSeconds,
      });
    } catch (error) {
      if (error instanceof DpopProofError) throw refuse(error.error, error.message);
      throw error;
    }
    // RFC 9449 §7.1 (its Figure 15): a valid proof by another key than the token's.
    if (verified.jkt !== jkt) throw refuse('invalid_token', 'Invalid DPoP key binding');
    await this.useOnce(verified.jti, verified.jkt, verified.iat, refuse);
  }

  /** Records the proof; a replay is refused, and so is any doubt (a full cache, a failed store). */
  private async useOnce(
    jti: string,
    jkt: string,
    iat: number,
    refuse: (error: 'invalid_dpop_proof', text: string) => BearerError,
  ): Promise<void> {
    // Until the proof would be refused as too old anyway.
    const expiresAt = iat + this.maxAgeSeconds + this.clockSkewSeconds;
    let fresh: boolean;
    try {
      fresh = await this.replay.use(jti, jkt, expiresAt);
    } catch (error) {
      const reason =
        error instanceof DpopReplayCacheFullError
          ? 'the DPoP replay cache is full'
          : `the DPoP replay store failed: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.warn(`${reason}, refusing the request`);
      throw new BearerError(
        'temporarily_unavailable',
        'DPoP proofs cannot be checked for replay right now',
        503,
      );
    }
    if (!fresh) throw refuse('invalid_dpop_proof', 'the DPoP proof has already been used');
  }
}
