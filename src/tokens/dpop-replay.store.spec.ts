import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { dataSourceOptions } from '../database/data-source.options.js';
import { sweepConditionOf } from '../database/swept-when.decorator.js';
import { PostgresDpopReplayStore } from './dpop-replay.store.js';
import { UsedDpopProof } from './used-dpop-proof.entity.js';

// Single use across instances: two stores (two instances' pools) on one real PostgreSQL.
describe('PostgresDpopReplayStore', () => {
  let database: TestDatabase;
  let first: DataSource;
  let second: DataSource;
  let a: PostgresDpopReplayStore;
  let b: PostgresDpopReplayStore;
  const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

  beforeAll(async () => {
    database = await createTestDatabase();
    first = new DataSource(dataSourceOptions(database.url));
    second = new DataSource(dataSourceOptions(database.url));
    await first.initialize();
    await first.runMigrations();
    await second.initialize();
    a = new PostgresDpopReplayStore(first);
    b = new PostgresDpopReplayStore(second);
  });

  afterAll(async () => {
    await a?.beforeApplicationShutdown();
    await b?.beforeApplicationShutdown();
    await first?.destroy();
    await second?.destroy();
    await database?.drop();
  });

  it('takes a proof once, on whichever instance sees it first', async () => {
    const expiresAt = inAMinute();
    await expect(a.use('jti-1', 'key-1', expiresAt)).resolves.toBe(true);
    await expect(a.use('jti-1', 'key-1', expiresAt)).resolves.toBe(false);
    await expect(b.use('jti-1', 'key-1', expiresAt)).resolves.toBe(false);
    const rows = await first.query<{ expires_at: Date }[]>(
      `SELECT expires_at FROM used_dpop_proofs WHERE jkt = 'key-1' AND jti = 'jti-1'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].expires_at.getTime()).toBe(expiresAt * 1000);
  });

  it("keeps one key's jti apart from another's", async () => {
    await expect(a.use('shared', 'key-1', inAMinute())).resolves.toBe(true);
    await expect(b.use('shared', 'key-2', inAMinute())).resolves.toBe(true);
  });

  it('lets exactly one of several concurrent uses win', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).use('race', 'key-3', inAMinute())),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('takes a pair once when it comes twice in one batch', async () => {
    const expiresAt = inAMinute();
    const answers = await Promise.all([
      a.use('twice', 'key-5', expiresAt),
      a.use('twice', 'key-5', expiresAt),
      a.use('once', 'key-5', expiresAt),
    ]);
    expect(answers).toEqual([true, false, true]);
  });

  it('keeps a fractional expiry to the second it names', async () => {
    await a.use('fraction', 'key-6', 2_000_000_000.5);
    const [row] = await first.query<{ expires_at: Date }[]>(
      `SELECT expires_at FROM used_dpop_proofs WHERE jti = 'fraction'`,
    );
    expect(row.expires_at.getTime()).toBe(2_000_000_000_500);
  });

  it('is swept by the rule its entity declares once the proof has expired', async () => {
    await a.use('old', 'key-4', Math.floor(Date.now() / 1000) - 1);
    const condition = sweepConditionOf(UsedDpopProof);
    expect(condition).toBe('expires_at < now()');
    const expired = await first.query<{ jti: string }[]>(
      `SELECT jti FROM used_dpop_proofs WHERE ${condition!}`,
    );
    expect(expired.map((row) => row.jti)).toEqual(['old']);
  });
});
