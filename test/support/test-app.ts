import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/common/ports.js';
import { HttpClient } from './http-client.js';
import { startServer, type ServerProcess } from './server-process.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const ADMIN_CLIENT_ID = 'test-admin';
export const TEST_KEY_ENCRYPTION_SECRET = 'test-key-encryption-secret-0123456789abcdef';

/** Direct access to the test database, to check what a request wrote. */
export interface TestDb {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface TestApp {
  server: ServerProcess;
  baseUrl: string;
  http: HttpClient;
  db: TestDb;
  env: Record<string, string>;
  admin: { id: string; secret: string };
  database: TestDatabase;
  dataDir: string;
  port: number;
  /** Stops the server; keeps the database and DATA_DIR when `keepData` (for restarts). */
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Reuse a database (and DATA_DIR) from an earlier app, as a restart would. */
  database?: TestDatabase;
  dataDir?: string;
  /** Listen on this port (a restart keeps its issuer); a free one otherwise. */
  port?: number;
}

/**
 * Starts the built server (dist/, as `npm test` builds it) as its own process, on a free
 * loopback port, with a database of its own. Tests talk to it over HTTP like any client,
 * and read the database directly to check what was written.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'portcullis-test-')));
  const port = options.port ?? (await freePort());
  const admin = {
    id: ADMIN_CLIENT_ID,
    secret: options.env?.ADMIN_CLIENT_SECRET ?? randomBytes(32).toString('base64url'),
  };
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: `http://127.0.0.1:${port}`,
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    ADMIN_CLIENT_ID: admin.id,
    ADMIN_CLIENT_SECRET: admin.secret,
    KEY_ENCRYPTION_SECRET: TEST_KEY_ENCRYPTION_SECRET,
    LOG_LEVEL: 'silent',
    ...options.env,
  };

  const server = await startServer(env);
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // An idle connection the server ends (a restart, pg_terminate_backend) is dropped from the
  // pool and the next query opens another; unhandled, its error would fail whatever test runs.
  pool.on('error', () => undefined);
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    server,
    baseUrl,
    http: new HttpClient(baseUrl),
    db: {
      query: async <T>(sql: string, params?: unknown[]) =>
        (await pool.query(sql, params)).rows as T[],
    },
    env,
    admin,
    database,
    dataDir,
    port,
    close: async ({ keepData = false } = {}) => {
      await server.stop();
      await pool.end();
      if (!keepData) {
        await database.drop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
