/**
 * What a bench run is set to: the fixed figures, and the BENCH_* knobs read from the
 * environment (a knob with a wrong value stops the run before anything starts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allCores } from './processes.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)); // dist/bench/*.js → repo root
export const dist = (file: string) => path.join(ROOT, 'dist', file);

export const CONNECTIONS = 50;
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;
/**
 * Hashes in flight for the raw argon2id rate: one, as Portcullis runs them on one core. It is
 * the most one core gives (here ≈ 75/s against ≈ 60/s with four in flight, whose 19 MiB each
 * evict one another from the caches), so it is the baseline the password row must approach.
 */
export const ARGON2_CONCURRENCY = 1;
/** Logins at once while preparing users and refresh tokens (setup, not measured). */
export const SETUP_PARALLEL = 4;
export const USER_COUNT = 200;
export const USER_PASSWORD = 'bench-password';
/** Portcullis's per-address password-attempt limit (default 120 a minute), raised for the bench. */
export const LOGIN_RATE_LIMIT = 1_000_000;
/** Refresh chains kept beyond one per connection, to replace a chain that breaks mid-run. */
export const SPARE_CHAINS = 10;
export const P99_LIMIT_MS = 20;
/** How production runs Portcullis (package.json start:prod, the Dockerfile): a smaller young generation. */
export const PORTCULLIS_NODE_ARGS = ['--max-semi-space-size=8'];
/** BENCH_CPU_PROF=<dir>: Portcullis writes a V8 CPU profile there at each stop (node --cpu-prof). */
export const CPU_PROF_DIR = process.env.BENCH_CPU_PROF?.trim();
export const RSS_LIMIT_MB = 200;
/**
 * BENCH_GROWTH=1 (`npm run bench:growth`): Portcullis runs on a database seeded like a large
 * deployment (growth-seed.ts, scaled by BENCH_GROWTH_SCALE), and its "baseline" is the same
 * build on an empty database, in the same rounds.
 */
export const GROWTH = process.env.BENCH_GROWTH?.trim() === '1';
function growthScale(): number {
  const raw = process.env.BENCH_GROWTH_SCALE?.trim();
  if (!raw) return 1;
  const value = Number(raw);
  if (!(value > 0 && value <= 1)) {
    throw new Error(`BENCH_GROWTH_SCALE must be a number in (0, 1], got "${raw}"`);
  }
  return value;
}
export const GROWTH_SCALE = GROWTH ? growthScale() : 0;
/**
 * The least Portcullis ÷ baseline ratio a row may show: within 5% of before, or better; with
 * BENCH_GROWTH, the seeded database within 10% of the empty one.
 */
export const BASELINE_TARGET = GROWTH ? 0.9 : 0.95;

function integerFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

/**
 * Where an embedded PostgreSQL runs: with the load generator by default, so the server's core
 * measures the server alone, as in a deployment where the database has a machine of its own.
 * BENCH_PG_CORES=all lets it run anywhere (and take time from the server's core).
 */
function postgresCores(): string {
  const raw = process.env.BENCH_PG_CORES?.trim() || String(LOAD_CORE);
  if (raw === 'all') return allCores();
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(raw)) {
    throw new Error(
      `BENCH_PG_CORES must be a taskset core list (such as 1 or 0-1) or all, got "${raw}"`,
    );
  }
  return raw;
}
export const PG_CORES = postgresCores();

/**
 * BENCH_PORTCULLIS_ENV="NAME=value NAME=value": settings for the checkout under test only, not
 * for BENCH_BASELINE's server; with BENCH_BASELINE=. one run measures a setting on against off.
 */
function portcullisEnv(): Record<string, string> {
  const raw = process.env.BENCH_PORTCULLIS_ENV?.trim();
  if (!raw) return {};
  return Object.fromEntries(
    raw.split(/\s+/).map((pair) => {
      const match = /^([A-Z][A-Z0-9_]*)=(\S*)$/.exec(pair);
      if (!match) throw new Error(`BENCH_PORTCULLIS_ENV: "${pair}" is not NAME=value`);
      return [match[1], match[2]];
    }),
  );
}
export const PORTCULLIS_ENV = portcullisEnv();
export const databaseUrlGiven = Boolean(process.env.DATABASE_URL?.trim());

/**
 * BENCH_OTLP=1: Portcullis (not its baseline) runs with tracing on, exporting to a sink in
 * this process; with BENCH_BASELINE naming the same build, the ratio is what tracing costs.
 */
export const OTLP = process.env.BENCH_OTLP?.trim() === '1';

export const ROUNDS = integerFromEnv('BENCH_ROUNDS', 2, 1);
export const SECONDS = integerFromEnv('BENCH_SECONDS', 5, 1);
export const WARMUP = integerFromEnv('BENCH_WARMUP', 3, 0);

export const ROW_NAMES = [
  'client_credentials',
  'refresh',
  'password',
  'introspection',
  'jwks',
  'guard',
  'dpop',
] as const;
export type RowName = (typeof ROW_NAMES)[number];
const ROW_ALIASES: Record<string, RowName> = {
  refresh_token: 'refresh',
  guarded: 'guard',
  sibling: 'guard',
  dpop_token: 'dpop',
};

function selectedRows(): Set<RowName> {
  const raw = process.env.BENCH_ROWS?.trim();
  if (!raw) return new Set(ROW_NAMES);
  const rows = new Set<RowName>();
  for (const name of raw.split(',').map((part) => part.trim().toLowerCase())) {
    if (!name) continue;
    const row = ROW_ALIASES[name] ?? ROW_NAMES.find((known) => known === name);
    if (!row) {
      throw new Error(`BENCH_ROWS: unknown row "${name}"; known: ${ROW_NAMES.join(', ')}`);
    }
    rows.add(row);
  }
  if (rows.size === 0) throw new Error('BENCH_ROWS names no row');
  return rows;
}

export const ROWS = selectedRows();

export interface BaselineCheckout {
  /** The checkout's directory, as given. */
  dir: string;
  /** Its built server, started as Portcullis's own is. */
  main: string;
}

/**
 * BENCH_BASELINE=<another checkout, already built>: its server is measured beside Portcullis's
 * in every Portcullis row, so before and after come from the same run.
 */
function baselineCheckout(): BaselineCheckout | undefined {
  const raw = process.env.BENCH_BASELINE?.trim();
  if (!raw) return undefined;
  const dir = path.resolve(raw);
  const main = path.join(dir, 'dist', 'src', 'main.js');
  if (!existsSync(main)) {
    throw new Error(`BENCH_BASELINE: no ${main}; run npm ci && npm run build in ${dir} first`);
  }
  return { dir, main };
}

export const BASELINE: BaselineCheckout | undefined = GROWTH
  ? { dir: ROOT, main: dist('src/main.js') }
  : baselineCheckout();
