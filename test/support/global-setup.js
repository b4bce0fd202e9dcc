// Plain ESM: jest loads global setup outside its module transform, so this uses the build
// (`npm test` builds first).
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgresLauncher } from '../../dist/src/database/embedded-postgres.launcher.js';

/**
 * One PostgreSQL server for the whole run: DATABASE_URL when set (CI), otherwise an
 * embedded one. Each test file then creates its own database on it.
 */
export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.TEST_PG_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-test-pg-'));
  const database = await new EmbeddedPostgresLauncher({ dataDir }).start();
  process.env.TEST_PG_SERVER_URL = database.url;
  globalThis.testDatabase = { database, dataDir };
}
