import { createHash } from 'node:crypto';

/**
 * The key a refresh token is stored under, as the README's storage rule states it (written
 * here again, not imported, so that a change to the rule is a change to the tests too): for
 * the 51-character form, the 6 bytes its first 8 characters decode to, then the SHA-256 of the
 * whole token; for the earlier 43-character form, the SHA-256 alone.
 */
export function refreshTokenKey(token: string): Buffer {
  const digest = createHash('sha256').update(token).digest();
  if (token.length !== 51) return digest;
  return Buffer.concat([Buffer.from(token.slice(0, 8), 'base64url'), digest]);
}
