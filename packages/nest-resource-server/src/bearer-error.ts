import { HttpException } from '@nestjs/common';

export type BearerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'temporarily_unavailable'
  // RFC 9449 §7.1 and §9: a DPoP proof refused, or the server nonce asked for.
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** What a refusal under the DPoP scheme (RFC 9449 §7.1) adds to its challenge. */
export interface DpopChallengeParameters {
  /** `algs`: the proof algorithms this resource accepts. */
  algs: readonly string[];
  /** A server nonce for the client's next proof, sent as `DPoP-Nonce` (§9). */
  nonce?: string;
}

/**
 * An RFC 6750 §3.1 error: its status, its JSON body, and the challenge to send with it —
 * under the DPoP scheme (RFC 9449 §7.1) when `dpop` is given.
 */
export class BearerError extends HttpException {
  constructor(
    readonly error: BearerErrorCode,
    readonly description: string,
    status: number,
    readonly requiredScope?: string,
    readonly dpop?: DpopChallengeParameters,
  ) {
    super({ error, error_description: description }, status);
  }

  /** The same refusal, challenged under the DPoP scheme. */
  underDpop(dpop: DpopChallengeParameters): BearerError {
    return new BearerError(
      this.error,
      this.description,
      this.getStatus(),
      this.requiredScope,
      dpop,
    );
  }

  /** The WWW-Authenticate header value for this error (none for 503). */
  challenge(realm: string, resourceMetadata?: string): string | undefined {
    if (this.error === 'temporarily_unavailable') return undefined;
    if (this.dpop) {
      return dpopChallenge(
        realm,
        this.error,
        this.description,
        this.dpop.algs,
        this.requiredScope,
        resourceMetadata,
      );
    }
    return bearerChallenge(
      realm,
      this.error,
      this.description,
      this.requiredScope,
      resourceMetadata,
    );
  }

  /** The headers to answer with: the challenge, and `DPoP-Nonce` when one is handed out. */
  headers(realm: string, resourceMetadata?: string): Record<string, string> {
    const headers: Record<string, string> = {};
    const challenge = this.challenge(realm, resourceMetadata);
    if (challenge) headers['WWW-Authenticate'] = challenge;
    if (this.dpop?.nonce) headers['DPoP-Nonce'] = this.dpop.nonce;
    return headers;
  }
}

// Values are limited to %x20-21 / %x23-5B / %x5D-7E (no quote, backslash or non-ASCII,
// which Node would also refuse in a header).
const quote = (value: string) => `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`;

function parameters(
  realm: string,
  error: string,
  description: string,
  requiredScope?: string,
  resourceMetadata?: string,
): string[] {
  const parts = [
    `realm=${quote(realm)}`,
    `error=${quote(error)}`,
    `error_description=${quote(description)}`,
  ];
  if (requiredScope) parts.push(`scope=${quote(requiredScope)}`);
  if (resourceMetadata) parts.push(`resource_metadata=${quote(resourceMetadata)}`);
  return parts;
}

/**
 * RFC 6750 §3: the `WWW-Authenticate: Bearer …` value for a refused token, with RFC 9728
 * §5.1's `resource_metadata` URL when the service publishes one.
 */
export function bearerChallenge(
  realm: string,
  error: string,
  description: string,
  requiredScope?: string,
  resourceMetadata?: string,
): string {
  return `Bearer ${parameters(realm, error, description, requiredScope, resourceMetadata).join(', ')}`;
}

/**
 * RFC 9449 §7.1: the `WWW-Authenticate: DPoP …` value, the Bearer parameters plus `algs`, the
 * proof algorithms accepted.
 */
export function dpopChallenge(
  realm: string,
  error: string,
  description: string,
  algs: readonly string[],
  requiredScope?: string,
  resourceMetadata?: string,
): string {
  const parts = parameters(realm, error, description, requiredScope, resourceMetadata);
  parts.push(`algs=${quote(algs.join(' '))}`);
  return `DPoP ${parts.join(', ')}`;
}
