import { randomToken, sha256 } from '../common/secrets.js';

/** Bytes of the creation time (milliseconds, big-endian) that open a refresh token. */
const TIME_BYTES = 6;
/** Length of a token in its current form: 6 time bytes and 32 random bytes, base64url. */
const TOKEN_LENGTH = Math.ceil(((TIME_BYTES + 32) * 4) / 3);

/**
 * A new refresh token: its creation time, then 256 random bits. The time is there for the
 * table, not for the reader: see `refreshTokenKey`.
 */
export function newRefreshToken(now = Date.now()): string {
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(now));
  return time.toString('base64url', 8 - TIME_BYTES) + randomToken(32);
}

/**
 * The primary key a refresh token is stored under: its time bytes, then the SHA-256 of the
 * whole token. Keyed by the digest alone, every insert landed on a random leaf of an index
 * that grows to millions of entries, and the first change to each leaf after a checkpoint
 * writes the whole page to the WAL (bench/README.md, "years of data"); with the time in
 * front, new keys go to the index's right edge. Tokens issued before this form (43
 * characters) are still found under the digest they were stored with.
 */
export function refreshTokenKey(token: string): Buffer {
  const digest = sha256(token);
  if (token.length !== TOKEN_LENGTH) return digest;
  const time = Buffer.from(token.slice(0, 8), 'base64url').subarray(0, TIME_BYTES);
  return Buffer.concat([time, digest]);
}
