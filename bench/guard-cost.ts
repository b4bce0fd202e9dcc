/**
 * The resource-server guard's cost: the sibling service's guarded route against its public
 * route, under the same load, in one run (A B A B rounds so drift falls on both).
 *   npm run bench:guard
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, hasTaskset, pinSelf, startNode } from './processes.js';

const CONNECTIONS = 50;
const WARMUP_SECONDS = 3;
const ROUND_SECONDS = 5;

interface Round {
  requests: number;
  p50: number;
  p99: number;
  errors: number;
}

async function measure(url: string, token: string | undefined, seconds: number): Promise<Round> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    requests: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-bench-'));
  const adminSecret = randomBytes(32).toString('base64url');
  const portcullisPort = await freePort();
  const issuer = `http://127.0.0.1:${portcullisPort}`;
  // Portcullis and the sibling share core 0 only while preparing; the sibling is measured alone there.
  const portcullis = await startNode(
    'dist/src/main.js',
    {
      NODE_ENV: 'production',
      PORT: String(portcullisPort),
      ISSUER: issuer,
      DATA_DIR: dataDir,
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      ADMIN_CLIENT_ID: 'bench-admin',
      ADMIN_CLIENT_SECRET: adminSecret,
      KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url'),
      COOKIE_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'warn',
    },
    '/health',
    0,
  );
  const sibling = await startNode(
    'dist/examples/sibling-service/main.js',
    { NODE_ENV: 'production', PORT: String(await freePort()), ISSUER: issuer },
    '/public',
    0,
  );
  pinSelf(1);
  try {
    const basic = `Basic ${Buffer.from(`bench-admin:${adminSecret}`).toString('base64')}`;
    const form = (body: string, authorization: string) =>
      fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
        body,
      }).then((r) => r.json() as Promise<Record<string, string>>);
    const admin = await form('grant_type=client_credentials&scope=admin', basic);
    const client = (await (
      await fetch(`${issuer}/admin/clients`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${admin.access_token}`,
        },
        body: JSON.stringify({ grant_types: ['client_credentials'], scope: 'notes:read' }),
      })
    ).json()) as Record<string, string>;
    const { access_token: token } = await form(
      'grant_type=client_credentials',
      `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
    );

    const publicUrl = `${sibling.baseUrl}/public`;
    const guardedUrl = `${sibling.baseUrl}/notes`;
    await measure(publicUrl, undefined, WARMUP_SECONDS);
    await measure(guardedUrl, token, WARMUP_SECONDS);
    const rounds = { public: [] as Round[], guarded: [] as Round[] };
    for (let i = 0; i < 2; i++) {
      rounds.public.push(await measure(publicUrl, undefined, ROUND_SECONDS));
      rounds.guarded.push(await measure(guardedUrl, token, ROUND_SECONDS));
    }
    const summary = (list: Round[]) => ({
      requestsPerSecond: Math.round(list.reduce((sum, r) => sum + r.requests, 0) / list.length),
      p50: Math.max(...list.map((r) => r.p50)),
      p99: Math.max(...list.map((r) => r.p99)),
      errors: list.reduce((sum, r) => sum + r.errors, 0),
    });
    const publicRoute = summary(rounds.public);
    const guardedRoute = summary(rounds.guarded);
    const ratio = guardedRoute.requestsPerSecond / publicRoute.requestsPerSecond;
    const valid = publicRoute.errors === 0 && guardedRoute.errors === 0;

    console.log(
      `\nSibling service, ${CONNECTIONS} connections, ${hasTaskset ? 'server on core 0, load on core 1' : 'unpinned'}`,
    );
    console.log('| route | req/s | p50 ms | p99 ms | errors |');
    console.log('|---|---|---|---|---|');
    console.log(
      `| public \`GET /public\` | ${publicRoute.requestsPerSecond} | ${publicRoute.p50} | ${publicRoute.p99} | ${publicRoute.errors} |`,
    );
    console.log(
      `| guarded \`GET /notes\` | ${guardedRoute.requestsPerSecond} | ${guardedRoute.p50} | ${guardedRoute.p99} | ${guardedRoute.errors} |`,
    );
    console.log(
      `\nguarded / public = ${ratio.toFixed(3)}${valid ? '' : '  (INVALID: errors or non-2xx answers during the run)'}`,
    );

    await mkdir('bench/results', { recursive: true });
    const file = `bench/results/guard-cost-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    await writeFile(
      file,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          cpus: os.cpus().length,
          pinned: hasTaskset,
          connections: CONNECTIONS,
          publicRoute,
          guardedRoute,
          ratio,
          valid,
        },
        null,
        2,
      ),
    );
    console.log(`written to ${file}`);
    if (!valid) process.exitCode = 1;
  } finally {
    await sibling.stop();
    await portcullis.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
