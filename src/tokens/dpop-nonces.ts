import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** How long one nonce is handed out for; it is accepted in its own window and the next. */
export const DPOP_NONCE_WINDOW_SECONDS = 300;

/** 128 bits of HMAC: a nonce only has to be unguessable, not a signature anyone verifies. */
const NONCE_BYTES = 16;

/**
 * Server-issued DPoP nonces (RFC 9449 §8) without shared state: the nonce of a time window is
 * an HMAC of the window's number under a key derived from KEY_ENCRYPTION_SECRET, so every
 * instance hands out and accepts the same ones. A nonce is accepted during its own window and
 * the one after: for 5 to 10 minutes after it was handed out. Whether a nonce is asked for,
 * and where, is DPOP_NONCE's (AppConfig.dpopNonce).
 */
export class DpopNonces {
  private readonly key: Buffer;
  private latest?: { window: number; nonce: string };

  constructor(
    secret: string,
    /** Milliseconds since the epoch; a parameter for the unit spec. */
    private readonly now: () => number = Date.now,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'portcullis', 'dpop-nonce/v1', 32));
  }

  /** The nonce to hand out now (the `DPoP-Nonce` header). */
  current(): string {
    const window = this.window();
    if (this.latest?.window !== window) this.latest = { window, nonce: this.of(window) };
    return this.latest.nonce;
  }

  /** Whether a proof's `nonce` is one this server handed out recently. */
  accepts(nonce: string | undefined): boolean {
    if (typeof nonce !== 'string') return false;
    const given = Buffer.from(nonce);
    const window = this.window();
    // Both compared, whichever matches: the time taken says nothing about which one did.
    const current = this.matches(given, window);
    const previous = this.matches(given, window - 1);
    return current || previous;
  }

  private window(): number {
    return Math.floor(this.now() / 1000 / DPOP_NONCE_WINDOW_SECONDS);
  }

  private of(window: number): string {
    return createHmac('sha256', this.key)
      .update(`dpop-nonce:${window}`)
      .digest()
      .subarray(0, NONCE_BYTES)
      .toString('base64url');
  }

  private matches(given: Buffer, window: number): boolean {
    const expected = Buffer.from(this.of(window));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
