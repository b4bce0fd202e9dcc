import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Random bytes are drawn from the CSPRNG in blocks (as node's randomUUID does): a call into
 * it costs more than the bytes. Every byte is handed out once.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/** A URL-safe random string of `bytes` random bytes (256 bits by default). */
export function randomToken(bytes = 32): string {
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString('base64url');
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + bytes);
  offset += bytes;
  return token;
}

export function sha256(value: string | Buffer): Buffer {
  return hash('sha256', value, 'buffer'); // one call: cheaper than a createHash object
}

/** Compares two digests without leaking, through timing, where they differ. */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
