import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import http from 'node:http';
import { freePort } from '../../src/common/ports.js';
import {
  adminAuth,
  basic,
  claimsOf,
  createUser,
  registerClient,
  token,
  type Registered,
  type TokenBody,
} from '../support/flows.js';
import { basicAuth, HttpClient, type HttpResponse } from '../support/http-client.js';
import { pollUntil } from '../support/poll.js';
import { startServer } from '../support/server-process.js';
import { startTestApp, TEST_KEY_ENCRYPTION_SECRET, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';
const LOGINS = 20; // argon2id each: together they take a good part of a second
const CLIENT_TOKENS = 40;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a request in flight at SIGTERM came back with, and when. */
interface Outcome {
  res?: HttpResponse<TokenBody>;
  error?: string;
  at: number;
}

const settle = (request: Promise<HttpResponse<TokenBody>>): Promise<Outcome> =>
  request.then(
    (res) => ({ res, at: Date.now() }),
    (error: unknown) => ({ error: String((error as Error).cause ?? error), at: Date.now() }),
  );

/** A GET on a connection of its own (no keep-alive pool): how the server takes a newcomer. */
function freshConnection(url: string): Promise<string> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        resolve(`answered ${res.statusCode}`);
      })
      .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** A client_credentials token request over `agent`'s keep-alive sockets. */
function clientCredentials(
  baseUrl: string,
  client: Registered,
  agent: http.Agent,
): Promise<HttpResponse<TokenBody>> {
  return new Promise((resolve, reject) => {
    const body = 'grant_type=client_credentials';
    const request = http.request(
      `${baseUrl}/oauth/token`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: basicAuth(client.client_id, client.client_secret!),
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          resolve({
            status: res.statusCode ?? 0,
            headers,
            body: JSON.parse(text) as TokenBody,
            text,
          });
        });
        res.on('error', reject);
      },
    );
    request.on('error', (error) => reject(new Error('request failed', { cause: error })));
    request.end(body);
  });
}

/** Sockets the agent holds open to its one origin, busy or free. */
const openSockets = (agent: http.Agent) =>
  [...Object.values(agent.sockets), ...Object.values(agent.freeSockets)].reduce(
    (total, sockets) => total + (sockets?.length ?? 0),
    0,
  );

const exited = (t: TestApp) =>
  new Promise<number | null>((resolve) => {
    const { child } = t.server;
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe('graceful shutdown on SIGTERM', () => {
  let t: TestApp;
  let passwordApp: Registered;
  let service: Registered;
  let outcomes: Outcome[];
  let signalledAt: number;
  let exitCode: number | null;
  let exitedAt: number;
  let afterSignal: string;
  const agents: http.Agent[] = [];

  beforeAll(async () => {
    // Warnings and errors are what this test looks for in the log (JSON lines on stdout).
    t = await startTestApp({ env: { LOG_LEVEL: 'warn' } });
    const admin = await adminAuth(t);
    passwordApp = await registerClient(t, admin, { grant_types: ['password'], scope: 'read' });
    service = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'read',
    });
    await createUser(t, admin, { username: 'drainer', password: PASSWORD });

    const loginRequests = Array.from({ length: LOGINS }, () =>
      token(
        t,
        { grant_type: 'password', username: 'drainer', password: PASSWORD },
        basic(passwordApp),
      ),
    );
    const logins = loginRequests.map(settle);
    // Once a few logins are answered, every one has long been read by the server (their
    // hashes are what it is waiting for: a couple at a time), and most are still queued.
    const answered = (outcomes: Promise<Outcome>[], n: number) => {
      let count = 0;
      for (const outcome of outcomes) void outcome.then(() => count++);
      return pollUntil(
        () => Promise.resolve(count),
        (done) => done >= n,
        { timeoutMs: 20_000, intervalMs: 2 },
      );
    };
    await answered(logins, 3);
    // Token requests (their audit rows go through the group commit) on keep-alive connections
    // the server accepted before, as a load balancer's are: a connection still waiting in the
    // listen backlog at the signal is refused, not in flight. The agent's sockets are all
    // open before the burst that the signal meets, so none of its requests needs a new one.
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENT_TOKENS });
    agents.push(agent);
    const tokenBurst = () =>
      Array.from({ length: CLIENT_TOKENS }, () =>
        settle(clientCredentials(t.baseUrl, service, agent)),
      );
    while (openSockets(agent) < CLIENT_TOKENS) await Promise.all(tokenBurst());
    const clientTokens = tokenBurst();
    await answered(clientTokens, 1);
    const pending = [...logins, ...clientTokens];
    const exit = exited(t);
    signalledAt = Date.now();
    t.server.child.kill('SIGTERM');
    await sleep(100);
    afterSignal = await freshConnection(`${t.baseUrl}/health`);
    outcomes = await Promise.all(pending);
    exitCode = await exit;
    exitedAt = Date.now();
  }, 60_000);

  afterAll(async () => {
    for (const agent of agents) agent.destroy();
    await t.close();
  });

  it('answers every request in flight at the signal with 200', () => {
    const answers = outcomes.map((o) => o.error ?? `${o.res!.status} ${o.res!.body.error ?? ''}`);
    expect(answers.filter((a) => !a.startsWith('200'))).toEqual([]);
    expect(outcomes).toHaveLength(LOGINS + CLIENT_TOKENS);
    // The test means something only if some of them were still being served at the signal.
    expect(outcomes.filter((o) => o.at > signalledAt).length).toBeGreaterThan(0);
  });

  it('refuses new connections once it got the signal', () => {
    expect(afterSignal).toBe('ECONNREFUSED');
  });

  it('exits 0 after the last answer, with nothing but the shutdown notice on stderr and no warning or error logged', () => {
    expect(exitCode).toBe(0);
    expect(exitedAt).toBeGreaterThanOrEqual(Math.max(...outcomes.map((o) => o.at)));
    const stderr = t.server.stderr();
    expect(stderr).not.toMatch(/Driver not Connected|error|ECONNRESET/i);
    expect(stderr.trim()).toBe('received SIGTERM, shutting down');
    expect(loggedProblems(t.server.stdout())).toEqual([]);
  });

  it('committed the audit row of every token it answered', async () => {
    const jtis = outcomes.map((o) => claimsOf(o.res!.body.access_token!).jti as string);
    const rows = await t.db.query<{ jti: string; client_id: string }>(
      `SELECT details->>'jti' AS jti, client_id FROM audit_events
        WHERE type = 'token.issued' AND details->>'jti' = ANY($1)`,
      [jtis],
    );
    expect(rows).toHaveLength(LOGINS + CLIENT_TOKENS);
    expect(new Set(rows.map((r) => r.jti)).size).toBe(LOGINS + CLIENT_TOKENS);
  });
});

describe('graceful shutdown with the embedded PostgreSQL', () => {
  it('stops its own PostgreSQL: no postgres process is left for its DATA_DIR', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-shutdown-'));
    try {
      const port = await freePort();
      const server = await startServer(
        {
          PORT: String(port),
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          ADMIN_CLIENT_ID: 'shutdown-admin',
          ADMIN_CLIENT_SECRET: 'shutdown-admin-secret-0123456789abcdef',
          KEY_ENCRYPTION_SECRET: TEST_KEY_ENCRYPTION_SECRET,
          LOG_LEVEL: 'warn',
        },
        { timeoutMs: 50_000 },
      );
      const pid = Number(
        (await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0],
      );
      expect(pid).toBeGreaterThan(0);
      expect(await postgresFor(dataDir)).not.toEqual([]);
      const http = new HttpClient(server.baseUrl);
      expect((await http.get('/health')).status).toBe(200);

      expect(await server.stop('SIGTERM')).toBe(0);
      expect(server.stderr()).not.toMatch(/Driver not Connected|error/i);
      expect(loggedProblems(server.stdout())).toEqual([]);
      expect(await postgresFor(dataDir)).toEqual([]);
      expect(isAlive(pid)).toBe(false);
      // A clean stop: the cluster's lock file is gone.
      await expect(readFile(path.join(dataDir, 'pg', 'postmaster.pid'))).rejects.toThrow();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Log lines (pino JSON) at warn level or above, and anything on stdout that is not JSON. */
function loggedProblems(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .filter((line) => {
      try {
        return (JSON.parse(line) as { level: number }).level >= 40;
      } catch {
        return true;
      }
    });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command lines of the running processes that name `dataDir`. */
async function postgresFor(dataDir: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'args']);
  return stdout.split('\n').filter((line) => line.includes(dataDir) && /postgres/.test(line));
}
