import { createHash } from 'node:crypto';
import { newRefreshToken, refreshTokenKey } from './refresh-token-key.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

describe('refresh-token keys', () => {
  it('a new token is 51 base64url characters: 6 bytes of time, then 256 random bits', () => {
    const now = Date.UTC(2026, 11, 3, 21, 15, 0, 123);
    const token = newRefreshToken(now);
    expect(token).toMatch(/^[A-Za-z0-9_-]{51}$/);
    expect(Buffer.from(token.slice(0, 8), 'base64url').readUIntBE(0, 6)).toBe(now);
    expect(newRefreshToken(now).slice(8)).not.toBe(token.slice(8));
  });

  it('is stored under its time bytes and the SHA-256 of the whole token', () => {
    const token = newRefreshToken(1_796_000_000_000);
    const key = refreshTokenKey(token);
    expect(key.length).toBe(38);
    expect(key.subarray(0, 6).readUIntBE(0, 6)).toBe(1_796_000_000_000);
    expect(key.subarray(6)).toEqual(sha256(token));
  });

  it('keys sort as the tokens were made, whatever their random part', () => {
    const keys = [0, 1, 60_000, 86_400_000].map((offset) =>
      refreshTokenKey(newRefreshToken(1_796_000_000_000 + offset)),
    );
    expect([...keys].sort((a, b) => Buffer.compare(a, b))).toEqual(keys);
  });

  it('finds a token of the earlier form (43 characters) under its plain digest', () => {
    const legacy = 'A'.repeat(43);
    expect(refreshTokenKey(legacy)).toEqual(sha256(legacy));
    expect(refreshTokenKey('')).toEqual(sha256(''));
  });
});
