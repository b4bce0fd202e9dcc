/**
 * `npm run bench:growth`: the plans of the hot statements on the seeded database, run for real
 * (EXPLAIN (ANALYZE, BUFFERS), writes rolled back), and the admin lists at depth: an offset
 * page against a keyset page at the same place.
 */
import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { INSERT_BATCH } from '../src/audit/audit.service.js';
import { IDENTITY_SCOPES } from '../src/tokens/client-targets.js';
import { CONSUME_BATCH } from '../src/tokens/refresh-token.store.js';
import { seededTokenCreated, type SeedCounts } from './growth-seed.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Seeded token `g`'s key: its creation time's 6 bytes, then its SHA-256 (refresh-token-key.ts). */
function seededTokenKey(g: number): Buffer {
  const time = Buffer.alloc(6);
  time.writeUIntBE(seededTokenCreated(g), 0, 6);
  return Buffer.concat([time, sha256(`token${g}`)]);
}

export interface Explained {
  name: string;
  sql: string;
  plan: string;
}

async function explain(
  client: pg.Client,
  name: string,
  sql: string,
  params: unknown[],
): Promise<Explained> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${sql}`,
      params,
    );
    return { name, sql, plan: rows.map((row) => row['QUERY PLAN']).join('\n') };
  } finally {
    await client.query('ROLLBACK');
  }
}

/** The five hot statements, with values of seeded rows. */
export async function explainHotStatements(
  databaseUrl: string,
  issuer: string,
  counts: SeedCounts,
): Promise<Explained[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const plans: Explained[] = [];
    // Token 5n+4 of a family is its live one; family 1 of client seed-client-2.
    const live = Math.min(counts.tokens - 1, 5 * Math.floor(counts.families / 2) + 4);
    const family = 1 + Math.floor(live / 5);
    const familyClient = `seed-client-${1 + (family % counts.clients)}`;
    plans.push(
      await explain(client, 'refresh consume batch (one request)', CONSUME_BATCH, [
        [seededTokenKey(live)],
        [familyClient],
        [randomBytes(32)],
        [null],
        ['api:read'],
        [randomBytes(16).toString('base64url')],
        [Date.now() / 1000],
        ['10.0.0.1'],
        [null],
        [JSON.stringify({ [issuer]: 900 })],
        2_592_000,
        issuer,
        [...IDENTITY_SCOPES],
        [null],
        [],
      ]),
    );
    plans.push(
      await explain(
        client,
        'client lookup (authentication, on a cache miss)',
        `SELECT * FROM clients WHERE client_id = $1`,
        [`seed-client-${Math.ceil(counts.clients / 3)}`],
      ),
    );
    plans.push(
      await explain(
        client,
        'user by username (password grant)',
        `SELECT id, username, email, password_hash, scope, disabled, created_at, updated_at
           FROM users WHERE lower(username) = lower($1)`,
        [`Seed-User-${Math.ceil(counts.users / 3)}`],
      ),
    );
    plans.push(
      await explain(
        client,
        'revoked check (introspection, on a cache miss)',
        'SELECT 1 FROM revoked_access_tokens WHERE jti = $1',
        [randomBytes(16).toString('base64url')],
      ),
    );
    const batch = Array.from({ length: 50 }, (_, i) => [
      Date.now(),
      'token.issued',
      `seed-client-${i + 1}`,
      null,
      '10.0.0.1',
      { grant_type: 'client_credentials', scope: 'api:read' },
    ]);
    plans.push(
      await explain(client, 'audit insert (a group-commit batch of 50)', INSERT_BATCH, [
        JSON.stringify(batch),
      ]),
    );
    return plans;
  } finally {
    await client.end();
  }
}

export interface DepthTiming {
  list: string;
  depth: number;
  offsetMs: number;
  keysetMs: number;
  offsetPlan: string;
  keysetPlan: string;
}

const execution = (plan: string) => Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN);

/**
 * Each admin list's page of 20 at depth 900,000 (or 90% of its rows when it has fewer): by
 * offset as `?offset=` runs it, and by keyset from the row before, as `?after=` runs it. The
 * better of three runs each.
 */
export async function measureListDepth(databaseUrl: string): Promise<DepthTiming[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const lists = [
    { list: '/admin/users', table: 'users', keys: ['created_at', 'id'], order: 'ASC' },
    { list: '/admin/clients', table: 'clients', keys: ['created_at', 'client_id'], order: 'ASC' },
    { list: '/admin/audit-events', table: 'audit_events', keys: ['id'], order: 'DESC' },
  ];
  try {
    const timings: DepthTiming[] = [];
    for (const { list, table, keys, order } of lists) {
      const [{ n }] = (await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))
        .rows;
      const depth = Math.min(900_000, Math.floor(Number(n) * 0.9));
      const orderBy = keys.map((key) => `${key} ${order}`).join(', ');
      const offsetSql = `SELECT * FROM ${table} ORDER BY ${orderBy} LIMIT 21 OFFSET ${depth}`;
      const [before] = (
        await client.query<Record<string, string>>(
          `SELECT ${keys.map((key) => `${key}::text AS ${key}`).join(', ')} FROM ${table}
            ORDER BY ${orderBy} LIMIT 1 OFFSET ${depth - 1}`,
        )
      ).rows;
      const bound = keys.map((key) => `'${before[key]}'`).join(', ');
      const keysetSql = `SELECT * FROM ${table} WHERE (${keys.join(', ')}) ${order === 'ASC' ? '>' : '<'} (${bound})
        ORDER BY ${orderBy} LIMIT 21`;
      const best = async (sql: string) => {
        let plan = '';
        for (let i = 0; i < 3; i++) {
          const { rows } = await client.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN (ANALYZE, BUFFERS) ${sql}`,
          );
          const text = rows.map((row) => row['QUERY PLAN']).join('\n');
          if (!plan || execution(text) < execution(plan)) plan = text;
        }
        return plan;
      };
      const offsetPlan = await best(offsetSql);
      const keysetPlan = await best(keysetSql);
      timings.push({
        list,
        depth,
        offsetMs: execution(offsetPlan),
        keysetMs: execution(keysetPlan),
        offsetPlan,
        keysetPlan,
      });
    }
    return timings;
  } finally {
    await client.end();
  }
}
