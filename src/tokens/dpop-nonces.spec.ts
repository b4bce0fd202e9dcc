import { DPOP_NONCE_WINDOW_SECONDS, DpopNonces } from './dpop-nonces.js';

const SECRET = 'a-key-encryption-secret-of-enough-length-0123';
const WINDOW_MS = DPOP_NONCE_WINDOW_SECONDS * 1000;

describe('DpopNonces', () => {
  let time: number;
  const nonces = (secret = SECRET) => new DpopNonces(secret, () => time);

  beforeEach(() => {
    time = 1_800_000_000_000;
  });

  it('hands out one nonce per window, the same on every instance with the same secret', () => {
    const first = nonces();
    const nonce = first.current();
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(first.current()).toBe(nonce);
    expect(nonces().current()).toBe(nonce);
    time += WINDOW_MS;
    expect(first.current()).not.toBe(nonce);
  });

  it('accepts a nonce in its window and the next, not after', () => {
    const server = nonces();
    const nonce = server.current();
    expect(server.accepts(nonce)).toBe(true);
    time += WINDOW_MS;
    expect(server.accepts(nonce)).toBe(true);
    time += WINDOW_MS;
    expect(server.accepts(nonce)).toBe(false);
  });

  it('refuses a missing nonce, an invented one and another secret’s', () => {
    const server = nonces();
    expect(server.accepts(undefined)).toBe(false);
    expect(server.accepts('')).toBe(false);
    expect(server.accepts('AAAAAAAAAAAAAAAAAAAAAA')).toBe(false);
    expect(server.accepts(nonces('another-secret-of-enough-length-0123456789').current())).toBe(
      false,
    );
  });

  it('refuses a nonce of a window not reached yet', () => {
    const server = nonces();
    time += WINDOW_MS;
    const future = server.current();
    time -= WINDOW_MS;
    expect(server.accepts(future)).toBe(false);
  });
});
