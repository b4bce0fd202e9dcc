/**
 * The benchmark: Portcullis (production build, real PostgreSQL) against its peers, one server at a
 * time on core 0, the load (autocannon, this process) on core 1.
 *
 *   npm run bench
 *   BENCH_ROUNDS=2 BENCH_SECONDS=5 BENCH_WARMUP=3 BENCH_ROWS=client_credentials,introspection \
 *     node dist/bench/run.js
 *
 * Rows: client_credentials, refresh, password, introspection, jwks, guard (the sibling service's
 * guarded route against its public one). Peers: bench/peers/README.md. Every server is started
 * afresh in each round and measured alone, so the rounds go A B A B across servers and drift
 * falls on all of them. Prints a Markdown table and writes the same data to bench/results/.
 * Exits 1 when a Portcullis row (or a sibling-service row) saw any error or wrong answer.
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { validateEnvironment } from '../src/config/environment.js';
import { EmbeddedPostgresLauncher } from '../src/database/embedded-postgres.launcher.js';
import { basic, call, expectStatus } from './http.js';
import {
  allCores,
  cpuTimeOf,
  descendantsCpuTimes,
  descendantsCpuTimeSince,
  freePort,
  hasTaskset,
  memoryOf,
  pinDescendants,
  pinSelf,
  runNode,
  signalAll,
  startNode,
  stopAll,
  type Started,
} from './processes.js';

// --- settings ---------------------------------------------------------------------------------

const ROOT = fileURLToPath(new URL('../..', import.meta.url)); // dist/bench/run.js → repo root
const dist = (file: string) => path.join(ROOT, 'dist', file);

const CONNECTIONS = 50;
const SERVER_CORE = 0;
const LOAD_CORE = 1;
/**
 * Hashes in flight for the raw argon2id rate: one, as Portcullis runs them on one core. It is
 * the most one core gives (here ≈ 75/s against ≈ 60/s with four in flight, whose 19 MiB each
 * evict one another from the caches), so it is the baseline the password row must approach.
 */
const ARGON2_CONCURRENCY = 1;
/** Logins at once while preparing users and refresh tokens (setup, not measured). */
const SETUP_PARALLEL = 4;
const USER_COUNT = 200;
const USER_PASSWORD = 'bench-password';
/** Portcullis's per-address password-attempt limit (default 120 a minute), raised for the bench. */
const LOGIN_RATE_LIMIT = 1_000_000;
/** Refresh chains kept beyond one per connection, to replace a chain that breaks mid-run. */
const SPARE_CHAINS = 10;
const P99_LIMIT_MS = 20;
/** How production runs Portcullis (package.json start:prod, the Dockerfile): a smaller young generation. */
const PORTCULLIS_NODE_ARGS = ['--max-semi-space-size=8'];
/** BENCH_CPU_PROF=<dir>: Portcullis writes a V8 CPU profile there at each stop (node --cpu-prof). */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF?.trim();
const RSS_LIMIT_MB = 200;

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
const PG_CORES = postgresCores();
const databaseUrlGiven = Boolean(process.env.DATABASE_URL?.trim());

const ROUNDS = integerFromEnv('BENCH_ROUNDS', 2, 1);
const SECONDS = integerFromEnv('BENCH_SECONDS', 5, 1);
const WARMUP = integerFromEnv('BENCH_WARMUP', 3, 0);

const ROW_NAMES = [
  'client_credentials',
  'refresh',
  'password',
  'introspection',
  'jwks',
  'guard',
] as const;
type RowName = (typeof ROW_NAMES)[number];
const ROW_ALIASES: Record<string, RowName> = {
  refresh_token: 'refresh',
  guarded: 'guard',
  sibling: 'guard',
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

const ROWS = selectedRows();

// --- what is measured -------------------------------------------------------------------------

type ServerKey =
  'portcullis' | 'oidc-opaque' | 'oidc-jwt' | 'oauth2-server' | 'bare' | 'argon2' | 'sibling';

interface EntrySpec {
  id: string;
  row: RowName;
  server: ServerKey;
  label: string;
  request: string;
  /** The entry this one is the denominator for: ratio = that one's req/s ÷ this one's. */
  ratioOf?: string;
  /** The least ratio the issue asks for, when it asks. */
  target?: number;
  /** Whether a failure here fails the run (Portcullis's own code). */
  ours: boolean;
}

const SPECS: EntrySpec[] = [
  {
    id: 'cc/portcullis',
    row: 'client_credentials',
    server: 'portcullis',
    label: 'Portcullis',
    request: 'POST /oauth/token grant_type=client_credentials scope=api:read (basic auth)',
    ours: true,
  },
  {
    id: 'cc/oidc-opaque',
    row: 'client_credentials',
    server: 'oidc-opaque',
    label: 'oidc-provider (opaque)',
    request: 'POST /token grant_type=client_credentials scope=api:read (basic auth)',
    ratioOf: 'cc/portcullis',
    target: 2.5,
    ours: false,
  },
  {
    id: 'cc/oidc-jwt',
    row: 'client_credentials',
    server: 'oidc-jwt',
    label: 'oidc-provider (ES256 JWT)',
    request: 'POST /token grant_type=client_credentials scope=api:read (basic auth)',
    ratioOf: 'cc/portcullis',
    ours: false,
  },
  {
    id: 'cc/oauth2-server',
    row: 'client_credentials',
    server: 'oauth2-server',
    label: 'oauth2-server (express)',
    request: 'POST /oauth/token grant_type=client_credentials scope=api:read (basic auth)',
    ratioOf: 'cc/portcullis',
    ours: false,
  },
  {
    id: 'cc/bare',
    row: 'client_credentials',
    server: 'bare',
    label: 'bare Nest GET /ping (ceiling)',
    request: 'GET /ping',
    ratioOf: 'cc/portcullis',
    target: 0.4,
    ours: false,
  },
  {
    id: 'refresh/portcullis',
    row: 'refresh',
    server: 'portcullis',
    label: 'Portcullis',
    request: 'POST /oauth/token grant_type=refresh_token (rotating; each token used once)',
    ours: true,
  },
  {
    id: 'refresh/oidc-opaque',
    row: 'refresh',
    server: 'oidc-opaque',
    label: 'oidc-provider (opaque)',
    request: 'POST /token grant_type=refresh_token (rotating; each token used once)',
    ratioOf: 'refresh/portcullis',
    target: 1,
    ours: false,
  },
  {
    id: 'refresh/oauth2-server',
    row: 'refresh',
    server: 'oauth2-server',
    label: 'oauth2-server (express)',
    request: 'POST /oauth/token grant_type=refresh_token (rotating; each token used once)',
    ratioOf: 'refresh/portcullis',
    ours: false,
  },
  {
    id: 'password/portcullis',
    row: 'password',
    server: 'portcullis',
    label: 'Portcullis',
    request: `POST /oauth/token grant_type=password, ${USER_COUNT} users round-robin`,
    ours: true,
  },
  {
    id: 'password/argon2',
    row: 'password',
    server: 'argon2',
    label: 'raw argon2id (hashes/s)',
    request: `hash() back to back, ${ARGON2_CONCURRENCY} in flight, one core`,
    ratioOf: 'password/portcullis',
    target: 0.85,
    ours: false,
  },
  {
    id: 'password/oauth2-server',
    row: 'password',
    server: 'oauth2-server',
    label: 'oauth2-server (express)',
    request: `POST /oauth/token grant_type=password, ${USER_COUNT} users round-robin`,
    ratioOf: 'password/portcullis',
    ours: false,
  },
  {
    id: 'introspection/portcullis',
    row: 'introspection',
    server: 'portcullis',
    label: 'Portcullis',
    request: "POST /oauth/introspect token=<valid access token> (the token's own client)",
    ours: true,
  },
  {
    id: 'introspection/oidc-opaque',
    row: 'introspection',
    server: 'oidc-opaque',
    label: 'oidc-provider (opaque)',
    request: "POST /token/introspection token=<valid access token> (the token's own client)",
    ratioOf: 'introspection/portcullis',
    target: 2,
    ours: false,
  },
  {
    id: 'jwks/portcullis',
    row: 'jwks',
    server: 'portcullis',
    label: 'Portcullis',
    request: 'GET /.well-known/jwks.json',
    ours: true,
  },
  {
    id: 'jwks/oidc-opaque',
    row: 'jwks',
    server: 'oidc-opaque',
    label: 'oidc-provider',
    request: 'GET /jwks',
    ratioOf: 'jwks/portcullis',
    ours: false,
  },
  {
    id: 'guard/guarded',
    row: 'guard',
    server: 'sibling',
    label: 'sibling GET /notes (guarded)',
    request: 'GET /notes, Authorization: Bearer <one reused access token>',
    ours: true,
  },
  {
    id: 'guard/public',
    row: 'guard',
    server: 'sibling',
    label: 'sibling GET /public',
    request: 'GET /public',
    ratioOf: 'guard/guarded',
    target: 0.85,
    ours: true,
  },
];

interface RunSummary {
  requestsPerSecond: number;
  p50?: number;
  p99?: number;
  /** Connection errors, timeouts included (autocannon counts a timeout as an error too). */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx answers without what they must hold (an access token, `"active":true`, …). */
  wrongAnswers: number;
  requests: number;
  seconds: number;
  /** VmRSS of the server right after this run. */
  rssMb?: number;
  /** CPU time the server process used per answered request, in µs. */
  serverCpuUs?: number;
  /** CPU time the embedded PostgreSQL (every backend) used per answered request, in µs. */
  databaseCpuUs?: number;
}

interface Entry extends EntrySpec {
  warmups: RunSummary[];
  rounds: RunSummary[];
  /** Max over the server's starts of VmHWM, read at the end of its runs. */
  peakRssMb?: number;
  /** Max over the server's starts of VmRSS, read at the end of its runs. */
  endRssMb?: number;
  /** The first few wrong answers (status and body). */
  failures: string[];
  /** A measuring process that failed (the argon2 rate). */
  crashed?: string;
}

const entries = new Map<string, Entry>(
  SPECS.map((spec) => [spec.id, { ...spec, warmups: [], rounds: [], failures: [] }]),
);
const entry = (id: string): Entry => {
  const found = entries.get(id);
  if (!found) throw new Error(`no entry ${id}`);
  return found;
};

function noteFailure(target: Entry, status: number, body: string): void {
  if (target.failures.length >= 5) return;
  const line = `${status} ${body.replace(/\s+/g, ' ').slice(0, 400)}`;
  if (!target.failures.includes(line)) target.failures.push(line);
}

// --- HTTP helpers -----------------------------------------------------------------------------

const FORM = 'application/x-www-form-urlencoded';

/** Runs `task` for 0 … count-1, `parallel` at a time, answers the results in order. */
async function inBatches<T>(count: number, parallel: number, task: (i: number) => Promise<T>) {
  const results: T[] = [];
  for (let start = 0; start < count; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - start) }, (_, k) =>
      task(start + k),
    );
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

// --- refresh chains ---------------------------------------------------------------------------

interface Chain {
  token: string;
  inFlight: boolean;
  dead: boolean;
}

function successorOf(body: string): string | undefined {
  try {
    const token = (JSON.parse(body) as { refresh_token?: unknown }).refresh_token;
    return typeof token === 'string' && token ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refresh tokens used exactly once. Each autocannon connection takes its own chain (a prepared
 * refresh token) and sends, with every request, the successor the previous answer returned. A
 * chain whose request was still in flight when a run stopped may have been consumed by the
 * server, so it is retired; the others carry on into the next run.
 */
class RefreshChains {
  private idle: Chain[] = [];
  private used: Chain[] = [];
  prepared = 0;
  retired = 0;

  constructor(private readonly mint: (count: number) => Promise<string[]>) {}

  /** Makes sure `count` chains are ready (mints the missing ones). */
  async fill(count: number): Promise<void> {
    const missing = count - this.idle.length;
    if (missing <= 0) return;
    const tokens = await this.mint(missing);
    if (tokens.length !== missing) throw new Error(`wanted ${missing} refresh tokens`);
    for (const token of tokens) this.idle.push({ token, inFlight: false, dead: false });
    this.prepared += missing;
  }

  private take(): Chain | undefined {
    const chain = this.idle.pop();
    if (chain) this.used.push(chain);
    return chain;
  }

  /** The request of one connection, bound to its own chain. */
  connectionRequest(
    base: autocannon.Request,
    answered: (status: number, body: string, ok: boolean) => void,
  ): autocannon.Request {
    const first = this.take();
    if (!first) throw new Error('no prepared refresh token left for a connection');
    let chain: Chain = first;
    return {
      ...base,
      setupRequest: (request) => {
        // A broken chain (error answer) is replaced by a spare; without one, the dead token is
        // sent and its error counted.
        if (chain.dead) chain = this.take() ?? chain;
        chain.inFlight = true;
        return {
          ...request,
          body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(chain.token)}`,
        };
      },
      onResponse: (status, body) => {
        chain.inFlight = false;
        const next = status >= 200 && status < 300 ? successorOf(body) : undefined;
        if (next) chain.token = next;
        else chain.dead = true;
        answered(status, body, next !== undefined);
      },
    };
  }

  /** After a run: chains with a request in flight or an error answer are retired. */
  settle(): void {
    for (const chain of this.used) {
      if (chain.dead || chain.inFlight) this.retired += 1;
      else this.idle.push(chain);
    }
    this.used = [];
  }
}

// --- driving the load -------------------------------------------------------------------------

interface Load {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A new body for every request (the password row's round-robin users). */
  nextBody?: () => string;
  /** What every 2xx answer must contain. */
  expect: string;
  /** Refresh rows: one chain per connection. */
  chains?: RefreshChains;
}

async function drive(load: Load, seconds: number, target: Entry): Promise<RunSummary> {
  if (load.chains) await load.chains.fill(CONNECTIONS + SPARE_CHAINS);
  let wrongAnswers = 0;
  const check = (status: number, body: string): void => {
    if (status < 200 || status > 299)
      noteFailure(target, status, body); // counted as non2xx
    else if (!body.includes(load.expect)) {
      wrongAnswers += 1;
      noteFailure(target, status, body);
    }
  };
  const base: autocannon.Request = {
    method: load.method,
    path: load.path,
    headers: load.headers ?? {},
    ...(load.body !== undefined ? { body: load.body } : {}),
  };
  const nextBody = load.nextBody;
  const request: autocannon.Request = nextBody
    ? { ...base, setupRequest: (req) => ({ ...req, body: nextBody() }), onResponse: check }
    : { ...base, onResponse: check };
  const chains = load.chains;
  const options: autocannon.Options = {
    url: load.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [request],
    ...(chains
      ? {
          setupClient: (client: autocannon.Client) =>
            client.setRequests([
              chains.connectionRequest(base, (status, body, ok) => {
                if (status < 200 || status > 299) noteFailure(target, status, body);
                else if (!ok) {
                  wrongAnswers += 1;
                  noteFailure(target, status, body);
                }
              }),
            ]),
        }
      : {}),
  };
  const result = await autocannon(options);
  chains?.settle();
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    wrongAnswers,
    requests: result.requests.total,
    seconds: result.duration,
  };
}

const failuresOf = (run: RunSummary) => run.errors + run.non2xx + run.wrongAnswers;

/** Warm-up (when BENCH_WARMUP > 0), then one measured round; RSS read after each run. */
async function measure(id: string, load: Load, server: Started, onRun?: (rss: number) => void) {
  const target = entry(id);
  const database = target.server === 'portcullis' && !databaseUrlGiven;
  const run = async (seconds: number) => {
    // Refresh tokens for the run are minted before it (each costs a password login).
    if (load.chains) await load.chains.fill(CONNECTIONS + SPARE_CHAINS);
    const serverBefore = cpuTimeOf(server.pid);
    const databaseBefore = database ? descendantsCpuTimes(server.pid) : undefined;
    const result = await drive(load, seconds, target);
    const memory = memoryOf(server.pid);
    if (memory) {
      result.rssMb = memory.rssMb;
      onRun?.(memory.rssMb);
    }
    const serverAfter = cpuTimeOf(server.pid);
    const perRequest = (micros: number) =>
      result.requests > 0 ? Math.round(micros / result.requests) : undefined;
    if (serverBefore !== undefined && serverAfter !== undefined)
      result.serverCpuUs = perRequest(serverAfter - serverBefore);
    if (databaseBefore !== undefined)
      result.databaseCpuUs = perRequest(descendantsCpuTimeSince(server.pid, databaseBefore));
    return result;
  };
  if (WARMUP > 0) target.warmups.push(await run(WARMUP));
  const measuredRun = await run(SECONDS);
  target.rounds.push(measuredRun);
  const failed = failuresOf(measuredRun) + (WARMUP > 0 ? failuresOf(target.warmups.at(-1)!) : 0);
  console.log(
    `  ${target.row.padEnd(18)} ${target.label.padEnd(30)} ${Math.round(
      measuredRun.requestsPerSecond,
    )
      .toString()
      .padStart(6)} req/s  p50 ${measuredRun.p50} ms  p99 ${measuredRun.p99} ms  errors ${failed}` +
      (measuredRun.rssMb !== undefined ? `  RSS ${measuredRun.rssMb} MB` : '') +
      (measuredRun.serverCpuUs !== undefined ? `  CPU ${cpuCell(measuredRun)} µs/req` : ''),
  );
}

/** CPU per request: the server's, and the database's when it is the embedded one. */
function cpuCell(run: Pick<RunSummary, 'serverCpuUs' | 'databaseCpuUs'>): string {
  if (run.serverCpuUs === undefined) return '—';
  return run.databaseCpuUs === undefined
    ? String(run.serverCpuUs)
    : `${run.serverCpuUs} + db ${run.databaseCpuUs}`;
}

/** Records the server's peak (VmHWM) and current (VmRSS) RSS on the entries it ran. */
function recordMemory(server: Started, ids: string[]): void {
  const memory = memoryOf(server.pid);
  if (!memory) return;
  for (const id of ids) {
    const target = entry(id);
    target.peakRssMb = Math.max(target.peakRssMb ?? 0, memory.peakRssMb);
    target.endRssMb = Math.max(target.endRssMb ?? 0, memory.rssMb);
  }
}

// --- temp files, children, cleanup ------------------------------------------------------------

const cleanups: (() => Promise<void>)[] = [];
let tempRoot = '';
const dataDirs: string[] = [];
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAll().catch((error: unknown) => console.error('stopping children:', error));
    for (const task of cleanups.reverse()) {
      await task().catch((error: unknown) => console.error('cleanup:', error));
    }
  })();
  return cleaning;
}

let interrupted = false;
function onSignal(signal: NodeJS.Signals, code: number): void {
  if (interrupted) {
    signalAll('SIGKILL');
    process.exit(code);
  }
  interrupted = true;
  console.error(`\n${signal}: stopping the servers and removing temporary files…`);
  void cleanup().finally(() => process.exit(code));
}
process.on('SIGINT', () => onSignal('SIGINT', 130));
process.on('SIGTERM', () => onSignal('SIGTERM', 143));
process.on('exit', () => {
  signalAll('SIGTERM');
  if (cleaning) return;
  for (const dir of [tempRoot, ...dataDirs]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A PostgreSQL an embedded-mode Portcullis left running (it was killed): stop it. */
async function stopLeftoverPostgres(dataDir: string): Promise<void> {
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

interface LogScan {
  /** Info lines: one a request at the default level. */
  info: number;
  warn: number;
  error: number;
  samples: string[];
}
const portcullisLog: LogScan = { info: 0, warn: 0, error: 0, samples: [] };

/** Counts pino info, warn (4xx answers) and error/fatal (5xx, failures) lines of a Portcullis log. */
async function scanLog(file: string, into: LogScan): Promise<void> {
  if (!existsSync(file)) return;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level === '30') {
      into.info += 1;
      continue;
    }
    if (level === '40') into.warn += 1;
    else if (level === '50' || level === '60') into.error += 1;
    else continue;
    if (into.samples.length < 8) into.samples.push(line.slice(0, 800));
  }
}

// --- the database -----------------------------------------------------------------------------

interface Database {
  description: string;
  /** DATABASE_URL for Portcullis, when not embedded. */
  url?: string;
  name?: string;
}

/** With DATABASE_URL: a fresh database for this run (dropped at the end); else embedded. */
async function prepareDatabase(): Promise<Database> {
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
  cleanups.push(async () => {
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

// --- the servers ------------------------------------------------------------------------------

const PRODUCTION = { NODE_ENV: 'production' };

async function startPeer(
  file: string,
  env: Record<string, string>,
  readyPath: string,
  name: string,
): Promise<Started> {
  const port = String(await freePort());
  return startNode(dist(file), { ...PRODUCTION, PORT: port, ...env }, readyPath, SERVER_CORE, {
    logFile: path.join(tempRoot, `${name}.log`),
  });
}

async function stopServer(server: Started, ids: string[]): Promise<void> {
  recordMemory(server, ids);
  await server.stop();
}

const measured = (ids: string[]) => ids.filter((id) => ROWS.has(entry(id).row));

async function barePhase(): Promise<void> {
  const server = await startPeer('bench/peers/bare-nest.peer.js', {}, '/ping', 'bare-nest');
  try {
    await measure(
      'cc/bare',
      { url: server.baseUrl, method: 'GET', path: '/ping', expect: '"ok":true' },
      server,
    );
  } finally {
    await stopServer(server, ['cc/bare']);
  }
}

async function argon2Phase(): Promise<void> {
  const target = entry('password/argon2');
  const { code, stdout, stderr } = await runNode(
    dist('bench/peers/argon2-rate.js'),
    {
      ...PRODUCTION,
      DURATION_SECONDS: String(SECONDS),
      CONCURRENCY: String(ARGON2_CONCURRENCY),
    },
    SERVER_CORE,
  );
  const line = stdout.trim().split('\n').at(-1) ?? '';
  let result: { hashesPerSecond?: number; hashes?: number; seconds?: number } = {};
  try {
    result = JSON.parse(line) as typeof result;
  } catch {
    // reported below
  }
  if (code !== 0 || typeof result.hashesPerSecond !== 'number') {
    target.crashed = `argon2-rate exited ${code}: ${(stderr || stdout).slice(0, 500)}`;
    console.log(`  password           raw argon2id: FAILED (${target.crashed})`);
    return;
  }
  target.rounds.push({
    requestsPerSecond: result.hashesPerSecond,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    wrongAnswers: 0,
    requests: result.hashes ?? 0,
    seconds: result.seconds ?? SECONDS,
  });
  console.log(
    `  ${'password'.padEnd(18)} ${target.label.padEnd(30)} ${result.hashesPerSecond
      .toString()
      .padStart(6)} hashes/s`,
  );
}

async function oidcPhase(format: 'opaque' | 'jwt'): Promise<void> {
  const server = await startPeer(
    'bench/peers/oidc-provider.peer.js',
    { TOKEN_FORMAT: format },
    '/bench/ready',
    `oidc-provider-${format}`,
  );
  const ids =
    format === 'jwt'
      ? measured(['cc/oidc-jwt'])
      : measured([
          'cc/oidc-opaque',
          'introspection/oidc-opaque',
          'jwks/oidc-opaque',
          'refresh/oidc-opaque',
        ]);
  const ccAuth = basic('cc-client', 'cc-secret');
  try {
    if (ROWS.has('client_credentials')) {
      await measure(
        format === 'jwt' ? 'cc/oidc-jwt' : 'cc/oidc-opaque',
        {
          url: server.baseUrl,
          method: 'POST',
          path: '/token',
          headers: { 'content-type': FORM, authorization: ccAuth },
          body: 'grant_type=client_credentials&scope=api%3Aread',
          expect: '"access_token"',
        },
        server,
      );
    }
    if (format === 'jwt') return;
    if (ROWS.has('introspection')) {
      const token = expectStatus(
        await call(`${server.baseUrl}/token`, {
          authorization: ccAuth,
          form: { grant_type: 'client_credentials', scope: 'api:read' },
        }),
        200,
        'oidc-provider client_credentials',
      ).json.access_token as string;
      const body = `token=${encodeURIComponent(token)}`;
      const check = async () => {
        const answer = expectStatus(
          await call(`${server.baseUrl}/token/introspection`, {
            authorization: ccAuth,
            form: { token },
          }),
          200,
          'oidc-provider introspection',
        );
        if (answer.json.active !== true)
          throw new Error(`oidc-provider introspection: ${answer.text}`);
      };
      await check();
      await measure(
        'introspection/oidc-opaque',
        {
          url: server.baseUrl,
          method: 'POST',
          path: '/token/introspection',
          headers: { 'content-type': FORM, authorization: ccAuth },
          body,
          expect: '"active":true',
        },
        server,
      );
      await check(); // still the same valid token at the end
    }
    if (ROWS.has('jwks')) {
      await measure(
        'jwks/oidc-opaque',
        { url: server.baseUrl, method: 'GET', path: '/jwks', expect: '"keys"' },
        server,
      );
    }
    if (ROWS.has('refresh')) {
      const chains = new RefreshChains(async (count) => {
        const answer = expectStatus(
          await call(`${server.baseUrl}/bench/refresh-tokens?count=${count}`, { method: 'POST' }),
          200,
          'oidc-provider /bench/refresh-tokens',
        );
        return answer.json.refresh_tokens as string[];
      });
      await measure(
        'refresh/oidc-opaque',
        {
          url: server.baseUrl,
          method: 'POST',
          path: '/token',
          headers: {
            'content-type': FORM,
            authorization: basic('refresh-client', 'refresh-secret'),
          },
          expect: '"refresh_token"',
          chains,
        },
        server,
      );
      chainStats['oidc-provider'] = add(chainStats['oidc-provider'], chains);
    }
  } finally {
    await stopServer(server, ids);
  }
}

interface ChainStat {
  prepared: number;
  retired: number;
}
const chainStats: Record<string, ChainStat> = {};
const add = (stat: ChainStat | undefined, chains: RefreshChains): ChainStat => ({
  prepared: (stat?.prepared ?? 0) + chains.prepared,
  retired: (stat?.retired ?? 0) + chains.retired,
});

/** Refresh tokens through the password grant, `parallel` at a time (each costs an argon2 check). */
function passwordGrantMinter(tokenUrl: string, authorization: string) {
  let user = 0;
  return (count: number) =>
    inBatches(count, SETUP_PARALLEL, async () => {
      const username = `user${(user++ % USER_COUNT) + 1}`;
      const answer = expectStatus(
        await call(tokenUrl, {
          authorization,
          form: { grant_type: 'password', username, password: USER_PASSWORD },
        }),
        200,
        `password grant for ${username} (refresh-token preparation)`,
      );
      const token = answer.json.refresh_token;
      if (typeof token !== 'string') throw new Error(`no refresh_token in ${answer.text}`);
      return token;
    });
}

function roundRobinPasswordBody(): () => string {
  let user = 0;
  return () =>
    `grant_type=password&username=user${(user++ % USER_COUNT) + 1}&password=${USER_PASSWORD}`;
}

async function oauth2ServerPhase(): Promise<void> {
  const server = await startPeer(
    'bench/peers/oauth2-server.peer.js',
    {},
    '/ready',
    'oauth2-server',
  );
  const ids = measured(['cc/oauth2-server', 'refresh/oauth2-server', 'password/oauth2-server']);
  const auth = basic('bench-client', 'bench-secret');
  const tokenLoad = {
    url: server.baseUrl,
    method: 'POST' as const,
    path: '/oauth/token',
    headers: { 'content-type': FORM, authorization: auth },
  };
  try {
    if (ROWS.has('client_credentials')) {
      await measure(
        'cc/oauth2-server',
        {
          ...tokenLoad,
          body: 'grant_type=client_credentials&scope=api%3Aread',
          expect: '"access_token"',
        },
        server,
      );
    }
    if (ROWS.has('refresh')) {
      const chains = new RefreshChains(passwordGrantMinter(`${server.baseUrl}/oauth/token`, auth));
      await measure(
        'refresh/oauth2-server',
        { ...tokenLoad, expect: '"refresh_token"', chains },
        server,
      );
      chainStats['oauth2-server'] = add(chainStats['oauth2-server'], chains);
    }
    if (ROWS.has('password')) {
      await measure(
        'password/oauth2-server',
        { ...tokenLoad, nextBody: roundRobinPasswordBody(), expect: '"access_token"' },
        server,
      );
    }
  } finally {
    await stopServer(server, ids);
  }
}

interface Credentials {
  clientId: string;
  clientSecret: string;
}

interface PortcullisSetup {
  cc: Credentials;
  password: Credentials;
  sibling: Credentials;
  chains?: RefreshChains;
}

interface PortcullisContext {
  port: number;
  issuer: string;
  dataDir: string;
  env: Record<string, string>;
  setup?: PortcullisSetup;
  /** The largest VmRSS read after any Portcullis run. */
  maxRunRssMb: number;
  starts: number;
  /** Embedded PostgreSQL processes moved to PG_CORES (the most seen at one start). */
  movedPostgres: number;
}

async function registerClient(
  issuer: string,
  admin: string,
  metadata: object,
): Promise<Credentials> {
  const answer = expectStatus(
    await call(`${issuer}/admin/clients`, { authorization: `Bearer ${admin}`, json: metadata }),
    201,
    'POST /admin/clients',
  );
  return {
    clientId: answer.json.client_id as string,
    clientSecret: answer.json.client_secret as string,
  };
}

async function setUpPortcullis(context: PortcullisContext): Promise<PortcullisSetup> {
  const { issuer } = context;
  const admin = expectStatus(
    await call(`${issuer}/oauth/token`, {
      authorization: basic(context.env.ADMIN_CLIENT_ID, context.env.ADMIN_CLIENT_SECRET),
      form: { grant_type: 'client_credentials', scope: 'admin' },
    }),
    200,
    'admin token',
  ).json.access_token as string;
  const cc = await registerClient(issuer, admin, {
    client_name: 'bench client_credentials',
    grant_types: ['client_credentials'],
    scope: 'api:read',
    token_endpoint_auth_method: 'client_secret_basic',
  });
  const password = await registerClient(issuer, admin, {
    client_name: 'bench password + refresh',
    grant_types: ['password', 'refresh_token'],
    scope: 'api:read',
    token_endpoint_auth_method: 'client_secret_basic',
  });
  const sibling = await registerClient(issuer, admin, {
    client_name: 'bench sibling caller',
    grant_types: ['client_credentials'],
    scope: 'notes:read',
    token_endpoint_auth_method: 'client_secret_basic',
  });
  if (ROWS.has('password') || ROWS.has('refresh')) {
    const started = Date.now();
    await inBatches(USER_COUNT, SETUP_PARALLEL, async (i) => {
      expectStatus(
        await call(`${issuer}/admin/users`, {
          authorization: `Bearer ${admin}`,
          json: { username: `user${i + 1}`, password: USER_PASSWORD },
        }),
        201,
        'POST /admin/users',
      );
    });
    console.log(
      `  (${USER_COUNT} users created in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  return { cc, password, sibling };
}

/**
 * Vacuums and checkpoints the database before Portcullis is measured, so that the maintenance
 * the previous round's writes left due (autovacuum of the audit rows, a checkpoint) does not
 * land on the load generator's core in the middle of this round. Best effort: a DATABASE_URL
 * user may lack the rights, and then the round runs as it is.
 */
async function settleDatabase(context: PortcullisContext): Promise<void> {
  // The embedded server Portcullis runs on its DATA_DIR, found the way a second process would.
  const url =
    context.env.DATABASE_URL ??
    (await new EmbeddedPostgresLauncher({ dataDir: context.dataDir }).attach())?.url;
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

async function portcullisPhase(context: PortcullisContext): Promise<void> {
  context.starts += 1;
  const logFile = path.join(tempRoot, `portcullis-${context.starts}.log`);
  const server = await startNode(dist('src/main.js'), context.env, '/health', SERVER_CORE, {
    logFile,
    stopTimeoutMs: 30_000,
    nodeArgs: CPU_PROF_DIR
      ? [...PORTCULLIS_NODE_ARGS, '--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF_DIR)}`]
      : PORTCULLIS_NODE_ARGS,
  });
  let stopped = false;
  let memoryRecorded = false;
  const stopPortcullis = async () => {
    if (stopped) return;
    stopped = true;
    if (!memoryRecorded) recordMemory(server, portcullisIds);
    await server.stop();
    await stopLeftoverPostgres(context.dataDir);
    await scanLog(logFile, portcullisLog);
    await rm(logFile, { force: true });
  };
  let sibling: Started | undefined;
  try {
    // An embedded PostgreSQL inherits the server's pin; it is moved to its own cores.
    context.movedPostgres = Math.max(context.movedPostgres, pinDescendants(server.pid, PG_CORES));
    context.setup ??= await setUpPortcullis(context);
    await settleDatabase(context);
    const { setup, issuer } = context;
    const onRun = (rss: number) => (context.maxRunRssMb = Math.max(context.maxRunRssMb, rss));
    const tokenUrl = `${issuer}/oauth/token`;
    const ccAuth = basic(setup.cc.clientId, setup.cc.clientSecret);
    const passwordAuth = basic(setup.password.clientId, setup.password.clientSecret);

    if (ROWS.has('client_credentials')) {
      await measure(
        'cc/portcullis',
        {
          url: issuer,
          method: 'POST',
          path: '/oauth/token',
          headers: { 'content-type': FORM, authorization: ccAuth },
          body: 'grant_type=client_credentials&scope=api%3Aread',
          expect: '"access_token"',
        },
        server,
        onRun,
      );
    }
    if (ROWS.has('introspection')) {
      const token = expectStatus(
        await call(tokenUrl, {
          authorization: ccAuth,
          form: { grant_type: 'client_credentials', scope: 'api:read' },
        }),
        200,
        'Portcullis client_credentials',
      ).json.access_token as string;
      const check = async () => {
        const answer = expectStatus(
          await call(`${issuer}/oauth/introspect`, { authorization: ccAuth, form: { token } }),
          200,
          'Portcullis introspection',
        );
        if (answer.json.active !== true)
          throw new Error(`Portcullis introspection: ${answer.text}`);
      };
      await check();
      await measure(
        'introspection/portcullis',
        {
          url: issuer,
          method: 'POST',
          path: '/oauth/introspect',
          headers: { 'content-type': FORM, authorization: ccAuth },
          body: `token=${encodeURIComponent(token)}`,
          expect: '"active":true',
        },
        server,
        onRun,
      );
      await check();
    }
    if (ROWS.has('jwks')) {
      await measure(
        'jwks/portcullis',
        { url: issuer, method: 'GET', path: '/.well-known/jwks.json', expect: '"keys"' },
        server,
        onRun,
      );
    }
    if (ROWS.has('refresh')) {
      // The chains live in the database, so they carry over from one start to the next.
      setup.chains ??= new RefreshChains(passwordGrantMinter(tokenUrl, passwordAuth));
      await measure(
        'refresh/portcullis',
        {
          url: issuer,
          method: 'POST',
          path: '/oauth/token',
          headers: { 'content-type': FORM, authorization: passwordAuth },
          expect: '"refresh_token"',
          chains: setup.chains,
        },
        server,
        onRun,
      );
    }
    if (ROWS.has('password')) {
      await measure(
        'password/portcullis',
        {
          url: issuer,
          method: 'POST',
          path: '/oauth/token',
          headers: { 'content-type': FORM, authorization: passwordAuth },
          nextBody: roundRobinPasswordBody(),
          expect: '"access_token"',
        },
        server,
        onRun,
      );
    }
    // RSS at the end of Portcullis's runs, before anything else happens on the core.
    recordMemory(server, portcullisIds);
    memoryRecorded = true;
    if (!ROWS.has('guard')) return;

    // The sibling service: it needs Portcullis for its token and, once, for the JWKS (which it
    // then caches); Portcullis is stopped before the sibling is measured alone on the core.
    const token = expectStatus(
      await call(tokenUrl, {
        authorization: basic(setup.sibling.clientId, setup.sibling.clientSecret),
        form: { grant_type: 'client_credentials' },
      }),
      200,
      'token for the sibling service',
    ).json.access_token as string;
    sibling = await startPeer(
      'examples/sibling-service/main.js',
      { ISSUER: issuer, HOST: '127.0.0.1' },
      '/public',
      `sibling-${context.starts}`,
    );
    const bearer = { authorization: `Bearer ${token}` };
    const primed = await call(`${sibling.baseUrl}/notes`, bearer);
    expectStatus(primed, 200, 'sibling GET /notes with the token (JWKS fetch)');
    await stopPortcullis();

    const publicLoad: Load = {
      url: sibling.baseUrl,
      method: 'GET',
      path: '/public',
      expect: '"ok":true',
    };
    const guardedLoad: Load = {
      url: sibling.baseUrl,
      method: 'GET',
      path: '/notes',
      headers: bearer,
      expect: '"items"',
    };
    const publicEntry = entry('guard/public');
    const guardedEntry = entry('guard/guarded');
    if (WARMUP > 0) {
      publicEntry.warmups.push(await drive(publicLoad, WARMUP, publicEntry));
      guardedEntry.warmups.push(await drive(guardedLoad, WARMUP, guardedEntry));
    }
    for (const [target, load] of [
      [publicEntry, publicLoad],
      [guardedEntry, guardedLoad],
    ] as const) {
      const run = await drive(load, SECONDS, target);
      target.rounds.push(run);
      console.log(
        `  ${'guard'.padEnd(18)} ${target.label.padEnd(30)} ${Math.round(run.requestsPerSecond)
          .toString()
          .padStart(6)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms  errors ${failuresOf(run)}`,
      );
    }
  } catch (error) {
    // A server that died mid-run: say why, before its log is removed.
    for (const [name, started] of [
      ['Portcullis', server],
      ['the sibling service', sibling],
    ] as const) {
      const child = started?.child;
      if (child && (child.exitCode !== null || child.signalCode !== null) && !stopped) {
        throw new Error(
          `${String(error)}\n${name} exited (${child.exitCode ?? child.signalCode}); its output ends with:\n${started.output().slice(-4000)}`,
          { cause: error },
        );
      }
    }
    throw error;
  } finally {
    if (sibling) await stopServer(sibling, ['guard/public', 'guard/guarded']);
    await stopPortcullis();
  }
}

const portcullisIds = measured([
  'cc/portcullis',
  'refresh/portcullis',
  'password/portcullis',
  'introspection/portcullis',
  'jwks/portcullis',
]);

// --- the report -------------------------------------------------------------------------------

interface Summary {
  requestsPerSecond: number;
  p50?: number;
  p99?: number;
  /** Connection errors (timeouts included) + non-2xx + wrong 2xx answers, warm-ups included. */
  errors: number;
  invalid: boolean;
  /** Mean over the rounds of the server's (and the embedded database's) CPU per request, µs. */
  serverCpuUs?: number;
  databaseCpuUs?: number;
}

const round = (value: number, digits = 0) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

function summaryOf(target: Entry): Summary | undefined {
  if (target.rounds.length === 0 && !target.crashed) return undefined;
  const runs = target.rounds;
  const mean = runs.length
    ? runs.reduce((sum, r) => sum + r.requestsPerSecond, 0) / runs.length
    : 0;
  const worst = (key: 'p50' | 'p99') => {
    const values = runs.map((r) => r[key]).filter((v): v is number => v !== undefined);
    return values.length ? Math.max(...values) : undefined;
  };
  const errors = [...runs, ...target.warmups].reduce((sum, r) => sum + failuresOf(r), 0);
  const meanOf = (key: 'serverCpuUs' | 'databaseCpuUs') => {
    const values = runs.map((r) => r[key]).filter((v): v is number => v !== undefined);
    return values.length ? round(values.reduce((a, b) => a + b, 0) / values.length) : undefined;
  };
  return {
    requestsPerSecond: round(mean, target.server === 'argon2' ? 2 : 0),
    p50: worst('p50'),
    p99: worst('p99'),
    errors,
    invalid: errors > 0 || target.crashed !== undefined,
    serverCpuUs: meanOf('serverCpuUs'),
    databaseCpuUs: meanOf('databaseCpuUs'),
  };
}

type Status = 'PASS' | 'MISS' | 'INVALID' | 'n/a';

interface TargetResult {
  target: string;
  value?: number;
  status: Status;
}

function ratioOf(target: Entry): { ratio?: number; status: Status } {
  if (!target.ratioOf) return { status: 'n/a' };
  const mine = summaryOf(target);
  const theirs = summaryOf(entry(target.ratioOf));
  if (!mine || !theirs) return { status: 'n/a' };
  if (mine.invalid || theirs.invalid || mine.requestsPerSecond === 0) {
    return { status: 'INVALID' };
  }
  const ratio = round(theirs.requestsPerSecond / mine.requestsPerSecond, 3);
  if (target.target === undefined) return { ratio, status: 'n/a' };
  return { ratio, status: ratio >= target.target ? 'PASS' : 'MISS' };
}

function targetsOf(context: PortcullisContext): TargetResult[] {
  const results: TargetResult[] = [];
  for (const target of entries.values()) {
    if (target.target === undefined) continue;
    const numerator = entry(target.ratioOf!);
    const { ratio, status } = ratioOf(target);
    results.push({
      target: `${numerator.row}: ${numerator.label} ≥ ${target.target}× ${target.label}`,
      value: ratio,
      status,
    });
  }
  for (const id of ['cc/portcullis', 'introspection/portcullis']) {
    const summary = summaryOf(entry(id));
    results.push({
      target: `${entry(id).row}: Portcullis p99 ≤ ${P99_LIMIT_MS} ms`,
      value: summary?.p99,
      status: !summary
        ? 'n/a'
        : summary.invalid
          ? 'INVALID'
          : summary.p99! <= P99_LIMIT_MS
            ? 'PASS'
            : 'MISS',
    });
  }
  const ran = portcullisIds.some((id) => entry(id).rounds.length > 0);
  results.push({
    target: `Portcullis RSS ≤ ${RSS_LIMIT_MB} MB at the end of every run`,
    value: ran ? context.maxRunRssMb : undefined,
    status: !ran ? 'n/a' : context.maxRunRssMb <= RSS_LIMIT_MB ? 'PASS' : 'MISS',
  });
  return results;
}

function cellTarget(target: Entry): string {
  if (target.target !== undefined) {
    const { status } = ratioOf(target);
    return `≥ ${target.target}× ${status}`;
  }
  if (target.server !== 'portcullis') return '';
  const summary = summaryOf(target);
  if (!summary) return '';
  const parts: string[] = [];
  if (target.row === 'client_credentials' || target.row === 'introspection') {
    const status = summary.invalid ? 'INVALID' : summary.p99! <= P99_LIMIT_MS ? 'PASS' : 'MISS';
    parts.push(`p99 ≤ ${P99_LIMIT_MS} ms ${status}`);
  }
  const runRss = Math.max(...[...target.rounds, ...target.warmups].map((run) => run.rssMb ?? 0));
  parts.push(`RSS ≤ ${RSS_LIMIT_MB} MB ${runRss <= RSS_LIMIT_MB ? 'PASS' : 'MISS'}`);
  return parts.join('; ');
}

function table(): string[] {
  const lines = [
    '| row | server | req/s | p50 ms | p99 ms | errors | CPU µs/req | peak RSS MB | ratio | target |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const target of entries.values()) {
    const summary = summaryOf(target);
    if (!summary) continue;
    const { ratio } = ratioOf(target);
    const memory =
      target.peakRssMb !== undefined ? `${target.peakRssMb} (end ${target.endRssMb})` : '—';
    const errors = summary.invalid
      ? `${summary.errors}${target.crashed ? ' (crashed)' : ''} INVALID`
      : '0';
    lines.push(
      `| ${target.row} | ${target.label} | ${summary.requestsPerSecond} | ${summary.p50 ?? '—'} | ${
        summary.p99 ?? '—'
      } | ${errors} | ${cpuCell(summary)} | ${memory} | ${ratio !== undefined ? `${ratio.toFixed(2)}×` : '—'} | ${cellTarget(
        target,
      )} |`,
    );
  }
  return lines;
}

// --- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  pinSelf(LOAD_CORE);
  tempRoot = await mkdtemp(path.join(os.tmpdir(), 'portcullis-bench-'));
  cleanups.push(() => rm(tempRoot, { recursive: true, force: true }));
  const startedAt = new Date();
  const database = await prepareDatabase();

  // Its own directory right under the temp dir: when run as root, the embedded PostgreSQL runs
  // as the postgres OS user, which must be able to enter every parent of DATA_DIR.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-bench-data-'));
  dataDirs.push(dataDir);
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  cleanups.push(() => stopLeftoverPostgres(dataDir)); // before the directory goes (runs first)
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: issuer,
    DATA_DIR: dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ADMIN_CLIENT_ID: 'bench-admin',
    ADMIN_CLIENT_SECRET: randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url'),
    COOKIE_SECRET: randomBytes(32).toString('base64url'),
    LOGIN_RATE_LIMIT: String(LOGIN_RATE_LIMIT),
  };
  // What Portcullis will run with (LOG_LEVEL is left at its production default).
  const effective = validateEnvironment(env);
  const context: PortcullisContext = {
    port,
    issuer,
    dataDir,
    env,
    maxRunRssMb: 0,
    starts: 0,
    movedPostgres: 0,
  };

  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const setupLines = [
    `date ${startedAt.toISOString()}, node ${process.version}, ${cpu} × ${os.cpus().length} cores`,
    hasTaskset
      ? `pinned: every server on core ${SERVER_CORE}, one at a time; the load generator (autocannon, this process) on core ${LOAD_CORE}`
      : 'NOT pinned (no taskset): servers and load generator share all cores',
    database.url
      ? `PostgreSQL: ${database.description}; runs where its service runs (not pinned here); its CPU and memory are not counted`
      : `PostgreSQL: ${database.description}; its processes are moved to core(s) ${PG_CORES} (BENCH_PG_CORES), so core ${SERVER_CORE} measures Portcullis alone; its CPU per request is shown as "db", its memory is not in Portcullis's RSS`,
    `${CONNECTIONS} connections; per server start: ${WARMUP} s warm-up per row, then a ${SECONDS} s round; ${ROUNDS} round(s), every server started afresh in each (A B A B)`,
    `Portcullis: NODE_ENV=production, LOG_LEVEL not set → ${effective.LOG_LEVEL} (the production default; request logs go to a file), LOGIN_RATE_LIMIT=${effective.LOGIN_RATE_LIMIT} (raised from the default 120 a minute per address so the password rows are not throttled)`,
    `rows: ${[...ROWS].join(', ')}`,
  ];
  console.log(setupLines.map((line) => `# ${line}`).join('\n'));

  const needs = (...rows: RowName[]) => rows.some((row) => ROWS.has(row));
  for (let r = 1; r <= ROUNDS; r++) {
    console.log(`\nround ${r}/${ROUNDS}`);
    if (needs('client_credentials')) await barePhase();
    if (needs('password')) await argon2Phase();
    if (needs('client_credentials', 'introspection', 'jwks', 'refresh')) await oidcPhase('opaque');
    if (needs('client_credentials')) await oidcPhase('jwt');
    if (needs('client_credentials', 'refresh', 'password')) await oauth2ServerPhase();
    await portcullisPhase(context);
  }

  if (context.setup?.chains) chainStats.portcullis = add(undefined, context.setup.chains);
  const targets = targetsOf(context);
  const lines = [
    '',
    ...setupLines.map((line) => `- ${line}`),
    '- req/s: mean over the rounds; p50/p99: the worst round; errors: connection errors (timeouts included) + non-2xx + 2xx answers without what they must hold, warm-ups included; CPU µs/req: CPU time (user + system) of the server process per answered request, mean over the rounds, and of the embedded PostgreSQL as db; ratio: the Portcullis row (guarded, for the sibling) ÷ this row; peak RSS: VmHWM of the server process at the end of its runs (end: VmRSS then)',
    '',
    ...table(),
    '',
    ...(ROWS.has('client_credentials')
      ? [
          `bare Nest GET /ping (the ceiling): ${summaryOf(entry('cc/bare'))?.requestsPerSecond ?? '—'} req/s`,
          '',
        ]
      : []),
    'Targets:',
    ...targets.map((t) => `- ${t.target}: ${t.value !== undefined ? t.value : '—'} ${t.status}`),
  ];
  const invalid = [...entries.values()].filter((e) => summaryOf(e)?.invalid);
  if (invalid.length > 0) {
    lines.push('', 'INVALID rows (first answers that were wrong):');
    for (const target of invalid) {
      lines.push(`- ${target.row} / ${target.label}:`);
      if (target.crashed) lines.push(`  - ${target.crashed}`);
      for (const failure of target.failures) lines.push(`  - ${failure}`);
    }
  }
  lines.push(
    '',
    `Portcullis log (level ${effective.LOG_LEVEL}): ${portcullisLog.info} info, ${portcullisLog.warn} warn, ${portcullisLog.error} error lines`,
  );
  if (portcullisLog.warn + portcullisLog.error > 0) {
    lines.push(
      '',
      `Portcullis logged ${portcullisLog.warn} warn and ${portcullisLog.error} error lines; the first ones:`,
      ...portcullisLog.samples.map((sample) => `    ${sample}`),
    );
  }
  console.log(lines.join('\n'));

  const resultsDir = path.join(ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    JSON.stringify(
      {
        date: startedAt.toISOString(),
        node: process.version,
        cpu,
        cores: os.cpus().length,
        pinned: hasTaskset,
        serverCore: hasTaskset ? SERVER_CORE : null,
        loadCore: hasTaskset ? LOAD_CORE : null,
        postgres: { cores: database.url ? null : PG_CORES, database: database.description },
        connections: CONNECTIONS,
        durations: { warmupSeconds: WARMUP, roundSeconds: SECONDS, rounds: ROUNDS },
        rows: [...ROWS],
        portcullis: {
          env: {
            NODE_ENV: 'production',
            LOG_LEVEL: `${effective.LOG_LEVEL} (default; not set)`,
            LOGIN_RATE_LIMIT: effective.LOGIN_RATE_LIMIT,
          },
          starts: context.starts,
          maxRunRssMb: context.maxRunRssMb,
          log: portcullisLog,
        },
        refreshChains: chainStats,
        entries: [...entries.values()]
          .filter((e) => summaryOf(e))
          .map((e) => ({
            id: e.id,
            row: e.row,
            server: e.label,
            request: e.request,
            summary: summaryOf(e),
            ratio: ratioOf(e).ratio,
            ratioOf: e.ratioOf,
            target: e.target,
            peakRssMb: e.peakRssMb,
            endRssMb: e.endRssMb,
            rounds: e.rounds,
            warmups: e.warmups,
            failures: e.failures,
            crashed: e.crashed,
          })),
        targets,
      },
      null,
      2,
    ),
  );
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  if (invalid.some((e) => e.ours)) {
    console.log('a Portcullis row is INVALID (errors or wrong answers): exit 1');
    process.exitCode = 1;
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
  });
