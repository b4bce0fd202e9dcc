import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createHttpAdapter } from '../../src/app.setup.js';
import { freePort } from '../../src/common/ports.js';
import { HttpClient } from './http-client.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const ADMIN_CLIENT_ID = 'test-admin';

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  http: HttpClient;
  dataSource: DataSource;
  env: Record<string, string>;
  admin: { id: string; secret: string };
  /** Stops the app; keeps the database and DATA_DIR when `keepData` (for restarts). */
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
 * Boots the real AppModule on Fastify, listening on a free loopback port, with a database
 * of its own. Tests talk to it over HTTP like any client would.
 */
export async function startTestApp(
  options: TestAppOptions = {},
): Promise<TestApp & { database: TestDatabase; dataDir: string }> {
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
    KEY_ENCRYPTION_SECRET: 'test-key-encryption-secret-0123456789abcdef',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  for (const key of Object.keys(env)) {
    if (env[key] === '') delete process.env[key];
    else process.env[key] = env[key];
  }

  const moduleRef = await Test.createTestingModule({ imports: [AppModule.register()] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), {
    bufferLogs: true,
  });
  configureApp(app);
  await app.listen(port, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    app,
    baseUrl,
    http: new HttpClient(baseUrl),
    dataSource: app.get<DataSource>(getDataSourceToken()),
    env,
    admin,
    database,
    dataDir,
    close: async ({ keepData = false } = {}) => {
      await app.close();
      if (!keepData) {
        await database.drop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
