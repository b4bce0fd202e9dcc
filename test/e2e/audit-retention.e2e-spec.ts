import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { adminAuth, createUser } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** `audit_events_y2026m12` for the month `months` after the current one (UTC). */
function monthPartition(months: number): { name: string; from: string; to: string } {
  const now = new Date();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 1));
  const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  const mm = String(from.getUTCMonth() + 1).padStart(2, '0');
  return {
    name: `audit_events_y${from.getUTCFullYear()}m${mm}`,
    from: from.toISOString(),
    to: to.toISOString(),
  };
}

async function partitionsOf(t: TestApp): Promise<string[]> {
  const rows = await t.db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'audit_events'::regclass ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}

describe('audit retention: audit_events partitioned by month', () => {
  it('the sweeper of every instance creates months ahead, moves rows the default caught, and drops months past AUDIT_RETENTION_DAYS', async () => {
    // One admin secret for all three servers, as each upserts the admin client at boot.
    const env = {
      AUDIT_RETENTION_DAYS: '90',
      ADMIN_CLIENT_SECRET: randomBytes(32).toString('base64url'),
    };
    const first = await startTestApp({ env });
    let a: TestApp | undefined = first;
    let b: TestApp | undefined;
    try {
      // The migration made this month and two ahead, besides the default partition.
      const months = [0, 1, 2].map(monthPartition);
      expect(await partitionsOf(first)).toEqual(
        ['audit_events_default', ...months.map((m) => m.name)].sort(),
      );

      // A month long past retention, as the migration makes for old rows, and one within it.
      const old = monthPartition(-6);
      const recent = monthPartition(-1);
      for (const month of [old, recent])
        await first.db.query(
          `CREATE TABLE partitions.${month.name} PARTITION OF audit_events
            FOR VALUES FROM ('${month.from}') TO ('${month.to}')`,
        );
      // The last month ahead missing, and a row for it caught by the default partition.
      const ahead = months[2];
      await first.db.query(`DROP TABLE partitions.${ahead.name}`);
      await first.db.query(
        `INSERT INTO audit_events (at, type, details) VALUES
          ($1, 'token.issued', '{"mark":"old"}'),
          ($2, 'token.issued', '{"mark":"recent"}'),
          ($3, 'token.issued', '{"mark":"ahead"}')`,
        [old.from, recent.from, ahead.from],
      );
      await first.close({ keepData: true });
      a = undefined;

      // Two instances boot at once on the database: both sweep, neither fails.
      [a, b] = await Promise.all([
        startTestApp({ database: first.database, dataDir: first.dataDir, env }),
        startTestApp({ database: first.database, env }),
      ]);
      expect((await a.http.get('/health')).status).toBe(200);
      expect((await b.http.get('/health')).status).toBe(200);

      expect(await partitionsOf(a)).toEqual(
        ['audit_events_default', recent.name, ...months.map((m) => m.name)].sort(),
      );
      const rows = await a.db.query<{ mark: string; partition: string }>(
        `SELECT details->>'mark' AS mark, tableoid::regclass::text AS partition
          FROM audit_events WHERE details ? 'mark' ORDER BY at`,
      );
      expect(rows).toEqual([
        { mark: 'recent', partition: `partitions.${recent.name}` },
        { mark: 'ahead', partition: `partitions.${ahead.name}` },
      ]);
      expect(await a.db.query(`SELECT 1 FROM partitions.audit_events_default`)).toEqual([]);

      // Inserts still land, through the API, after the changes.
      const before = await a.db.query<{ count: string }>(`SELECT count(*) FROM audit_events`);
      await createUser(a, await adminAuth(a), {
        username: 'retention-user',
        password: 'correct horse battery staple',
      });
      const after = await a.db.query<{ count: string }>(`SELECT count(*) FROM audit_events`);
      expect(Number(after[0].count)).toBeGreaterThan(Number(before[0].count));
    } finally {
      // b shares a's database: a drops it, b only its own DATA_DIR.
      await b?.close({ keepData: true });
      if (b) await rm(b.dataDir, { recursive: true, force: true });
      await (a ?? first).close();
    }
  });
});
