/**
 * `npm run bench:growth`: the database of a deployment after years, generated in SQL
 * (generate_series) rather than through the API, so that it takes minutes. At scale 1: 100k
 * clients, 1M users, 2M refresh-token families with 5 tokens each (10M: four consumed, one
 * live, as rotation leaves them), 50M audit events over two years in monthly partitions, and
 * 100k revoked access-token ids. BENCH_GROWTH_SCALE multiplies every count. Keys and ids have
 * the server's current forms (time-ordered refresh-token keys, UUIDv7 families), as a database
 * has once the tokens of an earlier form have expired.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { dist } from './settings.js';

const run = promisify(execFile);

export interface SeedCounts {
  clients: number;
  users: number;
  families: number;
  tokens: number;
  auditEvents: number;
  revoked: number;
}

export function seedCounts(scale: number): SeedCounts {
  const n = (full: number) => Math.max(1, Math.round(full * scale));
  const families = n(2_000_000);
  return {
    clients: n(100_000),
    users: n(1_000_000),
    families,
    tokens: families * 5,
    auditEvents: n(50_000_000),
    revoked: n(100_000),
  };
}

/** Months of audit history the seed spreads its events over. */
const AUDIT_MONTHS = 24;

/** The 6 bytes of a timestamp in milliseconds that open refresh-token keys and UUIDv7 ids. */
const timeBytes = (at: string) =>
  `substring(int8send((extract(epoch FROM ${at}) * 1000)::bigint) FROM 3 FOR 6)`;

/**
 * Family `n`'s id, as the server makes them (UUID version 7, src/common/uuid-v7.ts): its
 * creation time, then md5 bytes. The same expression in both statements, over a fixed
 * timestamp rather than each statement's now(), so the tokens find their family.
 */
const familyCreated = (base: string, n: string) =>
  `('${base}'::timestamptz - ((${n}) % 80) * interval '1 day')`;
const familyId = (base: string, n: string) =>
  `encode(overlay(decode(md5('family' || (${n})), 'hex') PLACING ${timeBytes(familyCreated(base, n))}
     FROM 1 FOR 6), 'hex')::uuid`;

/** The seed's "now" for the keys and ids that must agree across statements (growth-explain.ts). */
export const SEED_BASE = new Date().toISOString();

/** When the seed's refresh token `g` was made: its family's five, an hour apart. */
export const seededTokenCreated = (g: number) => Date.parse(SEED_BASE) - (5 - (g % 5)) * 3_600_000;

/** Each step of the seed, in order; `$n` placeholders are the counts. */
function steps(c: SeedCounts, base = SEED_BASE): [string, string][] {
  const tokenCreated = `('${base}'::timestamptz - (5 - g % 5) * interval '1 hour')`;
  return [
    [
      'clients',
      `INSERT INTO clients (client_id, client_name, grant_types, scope, token_endpoint_auth_method,
                            secret_digest, created_at, updated_at)
       SELECT 'seed-client-' || g, 'Seeded client ' || g, '{client_credentials,refresh_token,password}',
              'api:read', 'client_secret_basic', sha256(('s' || g)::bytea),
              now() - interval '2 years' + g * (interval '2 years' / ${c.clients}), now()
         FROM generate_series(1, ${c.clients}) g`,
    ],
    [
      'users',
      `INSERT INTO users (id, username, password_hash, created_at, updated_at)
       SELECT md5('user' || g)::uuid, 'seed-user-' || g, 'not-a-password-hash',
              now() - interval '2 years' + g * (interval '2 years' / ${c.users}), now()
         FROM generate_series(1, ${c.users}) g`,
    ],
    [
      'refresh-token families',
      `INSERT INTO refresh_token_families (id, client_id, user_id, scope, created_at, expires_at)
       SELECT ${familyId(base, 'g')}, 'seed-client-' || (1 + g % ${c.clients}),
              md5('user' || (1 + g % ${c.users}))::uuid, 'api:read',
              ${familyCreated(base, 'g')}, now() + (10 + g % 80) * interval '1 day'
         FROM generate_series(1, ${c.families}) g`,
    ],
    [
      'refresh tokens',
      `INSERT INTO refresh_tokens (digest, family_id, created_at, expires_at, consumed_at)
       SELECT ${timeBytes(tokenCreated)} || sha256(('token' || g)::bytea),
              ${familyId(base, '1 + g / 5')},
              ${tokenCreated}, now() + interval '20 days',
              CASE WHEN g % 5 < 4 THEN now() - (4 - g % 5) * interval '1 hour' END
         FROM generate_series(0, ${c.tokens - 1}) g`,
    ],
    [
      'audit partitions',
      `DO $$
         DECLARE month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC') - interval '${AUDIT_MONTHS} months';
         BEGIN
           WHILE month < date_trunc('month', now() AT TIME ZONE 'UTC') LOOP
             EXECUTE format(
               'CREATE TABLE IF NOT EXISTS partitions.%I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
               'audit_events_' || to_char(month, '"y"YYYY"m"MM'),
               month AT TIME ZONE 'UTC', (month + interval '1 month') AT TIME ZONE 'UTC');
             month := month + interval '1 month';
           END LOOP;
         END $$`,
    ],
    [
      'audit events',
      // In time order, so that ids grow with time as they do when written live.
      `INSERT INTO audit_events (at, type, client_id, user_id, ip, details)
       SELECT now() - interval '${AUDIT_MONTHS} months'
                + g * (interval '${AUDIT_MONTHS} months' / ${c.auditEvents}),
              (ARRAY['token.issued','refresh.rotated','login.failed','token.revoked'])[1 + g % 4],
              'seed-client-' || (1 + g % ${c.clients}),
              CASE WHEN g % 2 = 0 THEN md5('user' || (1 + g % ${c.users}))::uuid END,
              '10.0.' || (g % 250) || '.' || (g % 200),
              jsonb_build_object('grant_type', 'client_credentials', 'scope', 'api:read',
                                 'jti', md5(g::text))
         FROM generate_series(1, ${c.auditEvents}) g`,
    ],
    [
      'revoked access tokens',
      `INSERT INTO revoked_access_tokens (jti, expires_at)
       SELECT md5('revoked' || g), now() + interval '10 minutes'
         FROM generate_series(1, ${c.revoked}) g`,
    ],
  ];
}

/** Applies the migrations (the server's own CLI), then seeds, then vacuums and analyzes. */
export async function seedGrowth(databaseUrl: string, scale: number): Promise<string[]> {
  await run(process.execPath, [dist('src/database/migration-cli.js'), 'run'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  const counts = seedCounts(scale);
  const lines: string[] = [];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Seeded rows are consistent by construction: no triggers (change feed) nor FK checks.
    await client.query(`SET session_replication_role = replica`);
    await client.query(`SET maintenance_work_mem = '256MB'`);
    for (const [name, sql] of steps(counts)) {
      const started = Date.now();
      const result = await client.query(sql);
      const line = `seeded ${name}: ${result.rowCount ?? 0} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`;
      console.log(`# ${line}`);
      lines.push(line);
    }
    await client.query(`RESET session_replication_role`);
    const started = Date.now();
    await client.query('VACUUM (ANALYZE)');
    lines.push(`VACUUM (ANALYZE) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const [{ size }] = (
      await client.query<{ size: string }>(
        `SELECT pg_size_pretty(pg_database_size(current_database())) AS size`,
      )
    ).rows;
    lines.push(`database size ${size}`);
    console.log(`# ${lines.slice(-2).join('; ')}`);
  } finally {
    await client.end();
  }
  return lines;
}
