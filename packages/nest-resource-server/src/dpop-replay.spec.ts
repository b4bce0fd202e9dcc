import { DpopReplayCacheFullError, InMemoryDpopReplayCache } from './dpop-replay.js';

describe('InMemoryDpopReplayCache', () => {
  let now: number;
  const cache = (capacity: number) => new InMemoryDpopReplayCache(capacity, () => now);
  beforeEach(() => {
    now = 1_000;
  });

  it('takes a proof once, and keeps keys apart', async () => {
    const replays = cache(10);
    await expect(replays.use('jti-1', 'key-a', now + 70)).resolves.toBe(true);
    await expect(replays.use('jti-1', 'key-a', now + 70)).resolves.toBe(false);
    await expect(replays.use('jti-1', 'key-b', now + 70)).resolves.toBe(true);
  });

  it('forgets a proof once its window has passed (it would be refused as too old anyway)', async () => {
    const replays = cache(10);
    await replays.use('jti-1', 'key-a', now + 70);
    now += 69;
    await expect(replays.use('jti-1', 'key-a', now + 70)).resolves.toBe(false);
    now += 2;
    await expect(replays.use('jti-1', 'key-a', now + 70)).resolves.toBe(true);
  });

  it('refuses new proofs at its bound rather than forget one still within its window', async () => {
    const replays = cache(3);
    for (const jti of ['a', 'b', 'c']) await replays.use(jti, 'key', now + 70);
    await expect(replays.use('d', 'key', now + 70)).rejects.toBeInstanceOf(
      DpopReplayCacheFullError,
    );
    // Nothing was evicted: each of the three is still a replay.
    for (const jti of ['a', 'b', 'c'])
      await expect(replays.use(jti, 'key', now + 70)).resolves.toBe(false);
    expect(replays.size).toBe(3);
  });

  it('makes room again as entries expire', async () => {
    const replays = cache(3);
    await replays.use('a', 'key', now + 10);
    await replays.use('b', 'key', now + 70);
    await replays.use('c', 'key', now + 70);
    await expect(replays.use('d', 'key', now + 70)).rejects.toThrow();
    now += 11;
    await expect(replays.use('d', 'key', now + 70)).resolves.toBe(true);
    expect(replays.size).toBe(3);
    await expect(replays.use('b', 'key', now + 70)).resolves.toBe(false);
  });
});
