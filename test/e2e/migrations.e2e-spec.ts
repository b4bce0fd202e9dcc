import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase } from '../support/test-database.js';

const run = promisify(execFile);
const CLI = path.resolve('dist/src/database/migration-cli.js');

describe('migration tooling', () => {
  it('migration:run applies the schema once; migration:generate finds the entities and migrations in step', async () => {
    const database = await createTestDatabase();
    // generate writes into ./migrations of its working directory: use a scratch one.
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'portcullis-migrations-'));
    await mkdir(path.join(cwd, 'migrations'));
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: database.url,
      DATA_DIR: path.join(cwd, 'data'),
    };
    try {
      const first = await run(process.execPath, [CLI, 'run'], { cwd, env });
      expect(first.stdout).toMatch(/applied: Initial\d+/);
      const again = await run(process.execPath, [CLI, 'run'], { cwd, env });
      expect(again.stdout).toContain('no pending migrations');

      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const tables = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      const indexes = await client.query<{ indexdef: string }>(
        `SELECT indexdef FROM pg_indexes WHERE indexname = 'users_username_lower_key'`,
      );
      await client.end();
      expect(tables.rows.map((row) => row.table_name)).toEqual([
        'audit_events',
        'authorization_codes',
        'authorization_requests',
        'clients',
        'consents',
        'issued_access_tokens',
        'login_throttles',
        'migrations',
        'refresh_token_families',
        'refresh_tokens',
        'registered_apis',
        'revoked_access_tokens',
        'sessions',
        'signing_keys',
        'upstream_connections',
        'upstream_identities',
        'upstream_sign_ins',
        'upstream_tokens',
        'used_assertions',
        'used_dpop_proofs',
        'users',
      ]);
      expect(indexes.rows[0]?.indexdef).toContain('UNIQUE INDEX');

      // Any difference between the entities and the migrations would be written out here.
      const generate = await run(process.execPath, [CLI, 'generate', 'Drift'], { cwd, env });
      expect(generate.stdout).toContain('the schema already matches the entities');
      expect(await readdir(path.join(cwd, 'migrations'))).toEqual([]);

      await expect(run(process.execPath, [CLI, 'generate'], { cwd, env })).rejects.toMatchObject({
        code: 2,
      });
    } finally {
      await rm(cwd, { recursive: true, force: true });
      await database.drop();
    }
  });
});
