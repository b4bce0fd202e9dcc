/**
 * A Portcullis server of the run: the checkout under test, or BENCH_BASELINE's. Both are started
 * alike (same environment, port, secrets, node flags and pinning) but for BENCH_PORTCULLIS_ENV,
 * the checkout under test's own; each has a fresh database and data directory of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { makeDataDir, onCleanup } from './cleanup.js';
import { prepareDatabase, stopLeftoverPostgres, type Database } from './database.js';
import { emptyLogScan, type LogScan } from './log-scan.js';
import type { PortcullisSetup } from './portcullis-setup.js';
import { freePort } from './processes.js';
import { BASELINE_LABEL, type PortcullisName } from './scenarios.js';
import { CPU_PROF_DIR, LOGIN_RATE_LIMIT, PORTCULLIS_ENV } from './settings.js';

export interface PortcullisServer {
  name: PortcullisName;
  /** As in the table: `Portcullis`, `Portcullis (baseline)`. */
  label: string;
  /** The built server's entry point. */
  main: string;
  port: number;
  issuer: string;
  dataDir: string;
  database: Database;
  env: Record<string, string>;
  /** BENCH_CPU_PROF: where this server's CPU profiles go. */
  cpuProfDir?: string;
  setup?: PortcullisSetup;
  /** The largest VmRSS read after any run of this server. */
  maxRunRssMb: number;
  starts: number;
  /** Embedded PostgreSQL processes moved to PG_CORES (the most seen at one start). */
  movedPostgres: number;
  log: LogScan;
}

/**
 * What every Portcullis server of the run shares. One runs at a time, so they can share a port:
 * the same issuer, hence tokens of the same size.
 */
export interface SharedSettings {
  port: number;
  secrets: Record<'ADMIN_CLIENT_SECRET' | 'KEY_ENCRYPTION_SECRET' | 'COOKIE_SECRET', string>;
}

export async function sharedSettings(): Promise<SharedSettings> {
  const secret = () => randomBytes(32).toString('base64url');
  return {
    port: await freePort(),
    secrets: {
      ADMIN_CLIENT_SECRET: secret(),
      KEY_ENCRYPTION_SECRET: secret(),
      COOKIE_SECRET: secret(),
    },
  };
}

/** A fresh database and data directory for one Portcullis server, and its environment. */
export async function preparePortcullisServer(
  name: PortcullisName,
  main: string,
  shared: SharedSettings,
): Promise<PortcullisServer> {
  const database = await prepareDatabase();
  const dataDir = await makeDataDir();
  onCleanup(() => stopLeftoverPostgres(dataDir)); // before the directory goes (runs first)
  const issuer = `http://127.0.0.1:${shared.port}`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    PORT: String(shared.port),
    HOST: '127.0.0.1',
    ISSUER: issuer,
    DATA_DIR: dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ADMIN_CLIENT_ID: 'bench-admin',
    ADMIN_CLIENT_SECRET: shared.secrets.ADMIN_CLIENT_SECRET,
    KEY_ENCRYPTION_SECRET: shared.secrets.KEY_ENCRYPTION_SECRET,
    COOKIE_SECRET: shared.secrets.COOKIE_SECRET,
    LOGIN_RATE_LIMIT: String(LOGIN_RATE_LIMIT),
    ...(name === 'portcullis' ? PORTCULLIS_ENV : {}),
  };
  // The baseline's profiles apart, so that each directory holds one server's.
  const cpuProfDir = CPU_PROF_DIR
    ? path.resolve(CPU_PROF_DIR, name === 'portcullis' ? '' : name)
    : undefined;
  if (cpuProfDir) await mkdir(cpuProfDir, { recursive: true });
  return {
    name,
    label: name === 'portcullis' ? 'Portcullis' : BASELINE_LABEL,
    main,
    port: shared.port,
    issuer,
    dataDir,
    database,
    env,
    cpuProfDir,
    maxRunRssMb: 0,
    starts: 0,
    movedPostgres: 0,
    log: emptyLogScan(),
  };
}
