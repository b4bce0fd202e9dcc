import { UUID } from './uuid.js';
import { uuidV7 } from './uuid-v7.js';

describe('uuidV7', () => {
  it('is a version 7, variant 10 UUID carrying the time in its first 48 bits', () => {
    const now = Date.UTC(2026, 11, 3, 21, 15, 0, 123);
    const id = uuidV7(now);
    expect(id).toMatch(UUID);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('sorts by time, as text and as PostgreSQL compares uuids (bytewise)', () => {
    const ids = [1, 2, 1_000, 1_000_000, 2 ** 40].map((offset) => uuidV7(1e12 + offset));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1000 }, () => uuidV7(1e12))).size).toBe(1000);
  });
});
