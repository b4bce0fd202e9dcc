/**
 * A Portcullis server's database during the bench: a fresh one on DATABASE_URL's server, or the
 * embedded PostgreSQL it starts itself; kept settled between rounds, and stopped if left running.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedPostgresLauncher } from '../src/database/embedded-postgres.launcher.js';
import { onCleanup } from './cleanup.js';

export interface Database {
  description: string;
  /** DATABASE_URL for Portcullis, when not embedded. */
  url?: string;
  name?: string;
}

/** With DATABASE_URL: a fresh database for this run (dropped at the end); else embedded. */
export async function prepareDatabase(): Promise<Database> {
  const given = process.env.DATABASE_URL?.trim();
  if (!given) {
    return {
      description: 'embedded PostgreSQL, started by Portcullis under its temporary DATA_DIR',
    };
  }
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: given });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  onCleanup(async () => {
    await run(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    await run(`DROP DATABASE IF EXISTS "${name}"`);
    console.log(`dropped database ${name}`);
  });
  const url = new URL(given);
  url.pathname = `/${name}`;
  return {
    description: `DATABASE_URL (${url.host}), fresh database ${name} created for this run and dropped at its end`,
    url: url.toString(),
    name,
  };
}

/**
 * Vacuums and checkpoints the database before Portcullis is measured, so that the maintenance
 * the previous round's writes left due (autovacuum of the audit rows, a checkpoint) does not
 * land on the load generator's core in the middle of this round. Best effort: a DATABASE_URL
 * user may lack the rights, and then the round runs as it is.
 */
export async function settleDatabase(databaseUrl: string | undefined, dataDir: string) {
  // The embedded server Portcullis runs on its DATA_DIR, found the way a second process would.
  const url = databaseUrl ?? (await new EmbeddedPostgresLauncher({ dataDir }).attach())?.url;
  if (!url) {
    console.log('  (could not find the embedded database to vacuum and checkpoint)');
    return;
  }
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('VACUUM (ANALYZE)');
    await client.query('CHECKPOINT');
  } catch (error) {
    console.log(`  (could not vacuum and checkpoint the database: ${String(error)})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A PostgreSQL an embedded-mode Portcullis left running (it was killed): stop it. */
export async function stopLeftoverPostgres(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  const alive = () => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      return false;
    }
  };
  if (!pid || !alive()) return;
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(pid, 'SIGKILL');
}
