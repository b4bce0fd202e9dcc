import { createHash, timingSafeEqual } from 'node:crypto';
import type { Client } from '../clients/client.entity.js';
import { OAuthError } from '../common/oauth-error.js';

/**
 * PKCE (RFC 7636), both halves: the challenge a code is bound to at the authorize endpoint,
 * and the verifier that redeems it at the token endpoint.
 */

/** RFC 7636 §4.1 and §4.2: a verifier, and so a challenge, is 43 to 128 unreserved characters. */
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;

export type CodeChallengeMethod = 'S256' | 'plain';

/** What a code is bound to. */
export interface CodeChallenge {
  codeChallenge: string;
  codeChallengeMethod: CodeChallengeMethod;
}

/** The parts of a client's registration that decide whether and how it must use PKCE. */
export type PkceRules = Pick<Client, 'isPublic' | 'requirePkce' | 'allowPlainPkce'>;

/**
 * Authorize side: the challenge to bind the code to, or undefined for a code bound to none
 * (allowed only to confidential clients that do not require PKCE). Throws an invalid_request
 * OAuthError when the parameters or the client's rules refuse the request.
 */
export function checkCodeChallenge(
  challenge: string | undefined,
  method: string | undefined,
  client: PkceRules,
): CodeChallenge | undefined {
  if (challenge === undefined) {
    if (method !== undefined)
      throw OAuthError.invalidRequest('code_challenge_method without code_challenge');
    if (client.isPublic || client.requirePkce)
      throw OAuthError.invalidRequest('code_challenge is required (PKCE, S256)');
    return undefined;
  }
  method ??= 'plain'; // RFC 7636 §4.3
  if (method !== 'S256' && method !== 'plain')
    throw OAuthError.invalidRequest('code_challenge_method must be S256');
  // A public client's verifier is its only proof: never sent where the challenge goes.
  if (method === 'plain' && (client.isPublic || !client.allowPlainPkce))
    throw OAuthError.invalidRequest('code_challenge_method plain is not allowed; use S256');
  if (!PKCE_VALUE.test(challenge))
    throw OAuthError.invalidRequest('code_challenge must be 43 to 128 unreserved characters');
  return { codeChallenge: challenge, codeChallengeMethod: method };
}

/** Token side: whether `verifier` has the syntax of a code_verifier (RFC 7636 §4.1). */
export function isCodeVerifier(verifier: string): boolean {
  return PKCE_VALUE.test(verifier);
}

/** The S256 challenge of a verifier (RFC 7636 §4.2). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/**
 * Token side: whether `verifier` answers the stored challenge (RFC 7636 §4.6). Compared in
 * constant time, so a guess learns nothing from how long a refusal takes.
 */
export function verifierMatches(
  verifier: string,
  challenge: string,
  method: CodeChallengeMethod | null,
): boolean {
  const derived = Buffer.from(method === 'S256' ? s256Challenge(verifier) : verifier);
  const expected = Buffer.from(challenge);
  return derived.length === expected.length && timingSafeEqual(derived, expected);
}
