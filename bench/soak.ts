/**
 * The soak: Portcullis under ten minutes of mixed traffic, with its memory, heap, open handles
 * and descriptors sampled throughout. It fails (exit 1) when any request fails, when the
 * resident set grows after warm-up, or when handles or descriptors pile up.
 *
 *   npm run soak                          # 10 minutes, embedded PostgreSQL
 *   SOAK_SECONDS=120 npm run soak         # shorter
 *   DATABASE_URL=postgres://… npm run soak  # a fresh database on that server, dropped after
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { basic, call, expectStatus, type Answer } from './http.js';
import { freePort, memoryOf, startNode, type Started } from './processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

function seconds(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

const DURATION = seconds('SOAK_SECONDS', 600);
const WARMUP = Math.min(seconds('SOAK_WARMUP_SECONDS', 120), Math.floor(DURATION / 3));
const CONNECTIONS = seconds('SOAK_CONNECTIONS', 16);
const SAMPLE_EVERY = 5;
/** The resident set may move this much between the first and last minute after warm-up. */
const MAX_RSS_GROWTH_MB = seconds('SOAK_MAX_RSS_GROWTH_MB', 16);
/** Handles and descriptors may differ by this much (timers and sockets come and go). */
const MAX_HANDLE_GROWTH = 8;

/** A fresh database on DATABASE_URL's server, or none (the server starts its embedded one). */
async function prepareDatabase(): Promise<{ url?: string; drop: () => Promise<void> }> {
  const given = process.env.DATABASE_URL?.trim();
  if (!given) return { drop: () => Promise.resolve() };
  const name = `soak_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: given });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(given);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

interface Sample {
  at: number;
  rssMb: number;
  heapUsedMb: number;
  handles: number;
  fds: number;
  lagP99Ms: number;
  requests: number;
}

function gauge(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
const round1 = (value: number) => Math.round(value * 10) / 10;

async function main(): Promise<void> {
  const database = await prepareDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-soak-'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const admin = { id: 'soak-admin', secret: randomBytes(32).toString('base64url') };
  let server: Started | undefined;
  try {
    server = await startNode(
      path.join(root, 'dist/src/main.js'),
      {
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        ISSUER: issuer,
        DATA_DIR: dataDir,
        ...(database.url ? { DATABASE_URL: database.url } : {}),
        ADMIN_CLIENT_ID: admin.id,
        ADMIN_CLIENT_SECRET: admin.secret,
        KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url'),
        COOKIE_SECRET: randomBytes(32).toString('base64url'),
        LOGIN_RATE_LIMIT: '0',
        LOG_LEVEL: 'warn',
      },
      '/health',
      0,
      // As `npm run start:prod` runs it.
      { logFile: path.join(dataDir, 'server.log'), nodeArgs: ['--max-semi-space-size=8'] },
    );
    const result = await soak(server, issuer, admin);
    const code = await stopGracefully(server);
    result.exitCode = code;
    if (code !== 0) result.problems.push(`the server exited with ${code} on SIGTERM`);
    await report(result);
    process.exitCode = result.problems.length === 0 ? 0 : 1;
  } finally {
    if (server) await server.stop();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function stopGracefully(server: Started): Promise<number | null> {
  return new Promise((resolve) => {
    server.child.once('exit', (code) => resolve(code));
    server.child.kill('SIGTERM');
  });
}

interface SoakResult {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  counts: Record<string, number>;
  failures: string[];
  samples: Sample[];
  summary: Record<string, number>;
  problems: string[];
  exitCode?: number | null;
}

async function soak(
  server: Started,
  issuer: string,
  admin: { id: string; secret: string },
): Promise<SoakResult> {
  const adminToken = async () =>
    expectStatus(
      await call(`${issuer}/oauth/token`, {
        authorization: basic(admin.id, admin.secret),
        form: { grant_type: 'client_credentials', scope: 'admin' },
      }),
      200,
      'admin token',
    ).json.access_token as string;
  let adminBearer = await adminToken();
  const register = async (metadata: object) => {
    const answer = expectStatus(
      await call(`${issuer}/admin/clients`, {
        authorization: `Bearer ${adminBearer}`,
        json: metadata,
      }),
      201,
      'POST /admin/clients',
    );
    return { id: answer.json.client_id as string, secret: answer.json.client_secret as string };
  };
  const service = await register({
    client_name: 'soak service',
    grant_types: ['client_credentials'],
    scope: 'api:read api:write',
    token_endpoint_auth_method: 'client_secret_basic',
  });
  const app = await register({
    client_name: 'soak app',
    grant_types: ['password', 'refresh_token'],
    scope: 'api:read',
    token_endpoint_auth_method: 'client_secret_basic',
  });
  const password = randomBytes(12).toString('base64url');
  const users = Array.from({ length: CONNECTIONS }, (_, i) => `soak-user-${i}`);
  for (const username of users) {
    expectStatus(
      await call(`${issuer}/admin/users`, {
        authorization: `Bearer ${adminBearer}`,
        json: { username, password },
      }),
      201,
      'POST /admin/users',
    );
  }

  const counts: Record<string, number> = {};
  const failures: string[] = [];
  let requests = 0;
  const record = (kind: string, answer: Answer, ok: boolean) => {
    requests += 1;
    counts[kind] = (counts[kind] ?? 0) + 1;
    if (!ok && failures.length < 20) {
      failures.push(`${kind}: ${answer.status} ${answer.text.slice(0, 200)}`);
    }
  };
  const serviceAuth = basic(service.id, service.secret);
  const appAuth = basic(app.id, app.secret);
  const recentAccessTokens: string[] = [];

  // Each worker owns one user's refresh chain, so rotations never race each other.
  async function worker(username: string, until: number): Promise<void> {
    let refresh: string | undefined;
    const login = async () => {
      const answer = await call(`${issuer}/oauth/token`, {
        authorization: appAuth,
        form: { grant_type: 'password', username, password },
      });
      record('password', answer, answer.status === 200);
      if (refresh) {
        const revoked = await call(`${issuer}/oauth/revoke`, {
          authorization: appAuth,
          form: { token: refresh, token_type_hint: 'refresh_token' },
        });
        record('revoke', revoked, revoked.status === 200);
      }
      refresh = answer.json.refresh_token as string | undefined;
    };
    await login();
    while (Date.now() < until) {
      const roll = Math.random();
      if (roll < 0.35) {
        const answer = await call(`${issuer}/oauth/token`, {
          authorization: serviceAuth,
          form: { grant_type: 'client_credentials', scope: 'api:read' },
        });
        const ok = answer.status === 200;
        record('client_credentials', answer, ok);
        if (ok) {
          recentAccessTokens.push(answer.json.access_token as string);
          if (recentAccessTokens.length > 256) recentAccessTokens.shift();
        }
      } else if (roll < 0.55) {
        const token = recentAccessTokens[Math.floor(Math.random() * recentAccessTokens.length)];
        if (!token) continue;
        const answer = await call(`${issuer}/oauth/introspect`, {
          authorization: serviceAuth,
          form: { token },
        });
        record('introspect', answer, answer.status === 200 && answer.json.active === true);
      } else if (roll < 0.75) {
        if (!refresh) {
          await login();
          continue;
        }
        const answer = await call(`${issuer}/oauth/token`, {
          authorization: appAuth,
          form: { grant_type: 'refresh_token', refresh_token: refresh },
        });
        const ok = answer.status === 200;
        record('refresh', answer, ok);
        refresh = ok ? (answer.json.refresh_token as string) : undefined;
      } else if (roll < 0.78) {
        await login();
      } else if (roll < 0.88) {
        const answer = await call(`${issuer}/.well-known/jwks.json`);
        record('jwks', answer, answer.status === 200);
      } else if (roll < 0.93) {
        const answer = await call(`${issuer}/.well-known/openid-configuration`);
        record('discovery', answer, answer.status === 200);
      } else {
        const answer = await call(`${issuer}/admin/clients?limit=20`, {
          authorization: `Bearer ${adminBearer}`,
        });
        record('admin', answer, answer.status === 200);
      }
    }
  }

  const samples: Sample[] = [];
  const started = Date.now();
  const until = started + DURATION * 1000;
  const sampler = setInterval(() => {
    void (async () => {
      const memory = memoryOf(server.pid);
      const metrics = await call(`${issuer}/metrics`).then(
        (answer) => answer.text,
        () => '',
      );
      samples.push({
        at: Math.round((Date.now() - started) / 1000),
        rssMb: memory?.rssMb ?? NaN,
        heapUsedMb: round1(gauge(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20),
        handles: gauge(metrics, 'nodejs_active_resources_total'),
        fds: gauge(metrics, 'process_open_fds'),
        lagP99Ms: round1(gauge(metrics, 'nodejs_eventloop_lag_seconds{quantile="0.99"}') * 1000),
        requests,
      });
      const last = samples.at(-1)!;
      process.stdout.write(
        `  ${String(last.at).padStart(4)} s  rss ${last.rssMb} MiB  heap ${last.heapUsedMb} MiB  handles ${last.handles}  fds ${last.fds}  ${requests} requests\n`,
      );
    })();
  }, SAMPLE_EVERY * 1000);
  // The admin token lives ACCESS_TOKEN_TTL (15 min by default); renew it well before.
  const renew = setInterval(() => {
    void adminToken().then((token) => (adminBearer = token));
  }, 300_000);
  console.log(
    `soak: ${DURATION} s of mixed traffic on ${CONNECTIONS} connections (warm-up ${WARMUP} s)`,
  );
  try {
    await Promise.all(users.map((username) => worker(username, until)));
  } finally {
    clearInterval(sampler);
    clearInterval(renew);
  }
  return judge({ counts, failures, samples });
}

function judge(run: Pick<SoakResult, 'counts' | 'failures' | 'samples'>): SoakResult {
  const settled = run.samples.filter((s) => s.at >= WARMUP && Number.isFinite(s.rssMb));
  const window = Math.max(1, Math.round(60 / SAMPLE_EVERY));
  const first = settled.slice(0, window);
  const last = settled.slice(-window);
  const requests = run.samples.at(-1)?.requests ?? 0;
  const summary = {
    requests,
    requestsPerSecond: Math.round(requests / DURATION),
    rssAfterWarmupMb: round1(mean(first.map((s) => s.rssMb))),
    rssAtEndMb: round1(mean(last.map((s) => s.rssMb))),
    peakRssMb: Math.max(...run.samples.map((s) => s.rssMb)),
    heapAfterWarmupMb: round1(mean(first.map((s) => s.heapUsedMb))),
    heapAtEndMb: round1(mean(last.map((s) => s.heapUsedMb))),
    handlesAfterWarmup: Math.max(...first.map((s) => s.handles)),
    handlesAtEnd: Math.max(...last.map((s) => s.handles)),
    fdsAfterWarmup: Math.max(...first.map((s) => s.fds)),
    fdsAtEnd: Math.max(...last.map((s) => s.fds)),
    maxLagP99Ms: Math.max(...settled.map((s) => s.lagP99Ms)),
  };
  const problems: string[] = [];
  if (settled.length < 2 * window) problems.push('too few samples after warm-up to judge');
  if (run.failures.length > 0) problems.push(`${run.failures.length}+ requests failed`);
  const growth = summary.rssAtEndMb - summary.rssAfterWarmupMb;
  if (growth > MAX_RSS_GROWTH_MB) {
    problems.push(`RSS grew ${round1(growth)} MiB after warm-up (at most ${MAX_RSS_GROWTH_MB})`);
  }
  if (summary.handlesAtEnd - summary.handlesAfterWarmup > MAX_HANDLE_GROWTH) {
    problems.push(
      `open handles grew from ${summary.handlesAfterWarmup} to ${summary.handlesAtEnd}`,
    );
  }
  if (summary.fdsAtEnd - summary.fdsAfterWarmup > MAX_HANDLE_GROWTH) {
    problems.push(`open descriptors grew from ${summary.fdsAfterWarmup} to ${summary.fdsAtEnd}`);
  }
  return {
    durationSeconds: DURATION,
    warmupSeconds: WARMUP,
    connections: CONNECTIONS,
    ...run,
    summary,
    problems,
  };
}

async function report(result: SoakResult): Promise<void> {
  console.log('\nrequests by kind:', result.counts);
  for (const [name, value] of Object.entries(result.summary)) {
    console.log(`  ${name.padEnd(20)} ${value}`);
  }
  for (const failure of result.failures) console.log(`  failed: ${failure}`);
  const dir = path.join(root, 'bench/results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ machine: machine(), ...result }, null, 2));
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  console.log(
    result.problems.length === 0
      ? 'PASS: no failed request; RSS, handles and descriptors flat after warm-up'
      : `FAIL:\n  ${result.problems.join('\n  ')}`,
  );
}

function machine() {
  return { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
