import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/common/ports.js';
import { EmbeddedPostgresLauncher } from '../../src/database/embedded-postgres.launcher.js';
import type { RunningDatabase } from '../../src/database/running-database.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
  type TokenBody,
} from '../support/flows.js';
import type { HttpResponse } from '../support/http-client.js';
import { pollUntil } from '../support/poll.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { refreshTokenKey } from '../support/refresh-token-key.js';

/*
 * The server's PostgreSQL goes away under load and comes back. This file runs its own
 * embedded PostgreSQL (the project's launcher, own port and data directory) so that stopping
 * it touches no other test file's database.
 *
 * While the database is down, every request must fail fast with an RFC-shaped 503 and
 * Retry-After; once it is back, the server recovers by itself. Refresh-token families must
 * come out whole: a rotation either happened (the client got the successor) or did not (the
 * presented token still works). When the database committed a rotation whose answer was
 * lost in the outage, the client still holds only the consumed token; presenting it again
 * is, to the server, indistinguishable from a replay, and RFC 9700 §4.14.2 has it revoke the
 * family. That is the outcome accepted here — never a family left with no usable token
 * while not revoked, never one with two.
 */

const WORKERS = 16; // concurrent clients, each with a refresh-token family of its own
const BEFORE_MS = 1500;
const OUTAGE_MS = 3000;
const AFTER_MS = 2500;
const CLIENT_TIMEOUT_MS = 10_000;
const FAST_MS = 2000; // an answer during the outage comes at least this fast
const RECOVERY_MS = 5000; // 200s again at most this long after PostgreSQL is back
const PASSWORD = 'correct horse battery staple';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Attempt {
  kind: 'refresh' | 'client_credentials';
  startedAt: number;
  ms: number;
  status: number | string;
  error?: string;
  retryAfter?: string | null;
}

interface Family {
  /** Every refresh token this client was given, oldest first. */
  seen: string[];
  /** Set when a refresh was refused as invalid_grant: the token presented then. */
  refused?: string;
}

describe('PostgreSQL restarted under load', () => {
  let dataDir: string;
  let pgPort: number;
  let postgres: RunningDatabase;
  let t: TestApp;
  let app: Registered;
  let service: Registered;
  let families: Family[];
  let attempts: Attempt[];
  let health: { startedAt: number; status: number; ms: number }[];
  /** When the stop began and ended, and when the start began and ended. */
  let stoppingAt: number;
  let stoppedAt: number;
  let restartingAt: number;
  let restartedAt: number;
  let firstOkAfterRestart: number | undefined;
  let listeningAgainAt: number | undefined;

  const startPostgres = () =>
    new EmbeddedPostgresLauncher({ dataDir, port: pgPort }).start().then((db) => {
      postgres = db;
      return db;
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-pg-restart-'));
    pgPort = await freePort();
    const db = await startPostgres();
    // The database outlives the servers of this file; it goes with its data directory.
    t = await startTestApp({ database: { url: db.url, drop: () => Promise.resolve() } });
    const admin = await adminAuth(t);
    app = await registerClient(t, admin, {
      grant_types: ['password', 'refresh_token'],
      scope: 'read',
    });
    service = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'read',
    });
    await createUser(t, admin, { username: 'walker', password: PASSWORD });
    families = [];
    for (let i = 0; i < WORKERS; i++) {
      const res = await token(
        t,
        { grant_type: 'password', username: 'walker', password: PASSWORD },
        basic(app),
      );
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
      families.push({ seen: [res.body.refresh_token!] });
    }

    attempts = [];
    health = [];
    let down = false;
    let running = true;

    const post = (params: Record<string, string>, client: Registered, signal: AbortSignal) =>
      t.http.request<TokenBody>('POST', '/oauth/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
        auth: basic(client),
        signal,
      });

    const timed = async (
      kind: Attempt['kind'],
      request: (signal: AbortSignal) => Promise<HttpResponse<TokenBody>>,
    ): Promise<HttpResponse<TokenBody> | undefined> => {
      const startedAt = Date.now();
      try {
        const res = await request(AbortSignal.timeout(CLIENT_TIMEOUT_MS));
        attempts.push({
          kind,
          startedAt,
          ms: Date.now() - startedAt,
          status: res.status,
          error: res.body?.error,
          retryAfter: res.headers.get('retry-after'),
        });
        return res;
      } catch (error) {
        attempts.push({
          kind,
          startedAt,
          ms: Date.now() - startedAt,
          status: String((error as Error).name),
        });
        return undefined;
      }
    };

    /** One client: rotates its family and asks for client_credentials tokens, in turn. */
    const worker = async (family: Family) => {
      while (running) {
        const current = family.seen.at(-1)!;
        if (!family.refused) {
          const res = await timed('refresh', (signal) =>
            post({ grant_type: 'refresh_token', refresh_token: current }, app, signal),
          );
          if (res?.status === 200) family.seen.push(res.body.refresh_token!);
          else if (res?.status === 400) family.refused = current;
        }
        await timed('client_credentials', (signal) =>
          post({ grant_type: 'client_credentials' }, service, signal),
        );
        if (down) await sleep(20); // a client backing off a little
      }
    };

    const healthProbe = async () => {
      while (running) {
        const startedAt = Date.now();
        const res = await t.http.get('/health');
        health.push({ startedAt, status: res.status, ms: Date.now() - startedAt });
        if (restartedAt && res.status === 200 && !firstOkAfterRestart) {
          firstOkAfterRestart = Date.now();
        }
        await sleep(100);
      }
    };

    const load = Promise.all([...families.map(worker), healthProbe()]);
    await sleep(BEFORE_MS);
    stoppingAt = Date.now();
    down = true;
    await postgres.stop();
    stoppedAt = Date.now();
    await sleep(OUTAGE_MS);
    restartingAt = Date.now();
    await startPostgres();
    restartedAt = Date.now();
    down = false;
    const feed = await pollUntil(
      () =>
        t.db
          .query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE application_name = 'portcullis-change-feed' AND query ILIKE 'LISTEN%'`,
          )
          .catch(() => [{ n: 0 }]),
      ([{ n }]) => n > 0,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    if (feed[0].n > 0) listeningAgainAt = Date.now();
    await sleep(AFTER_MS);
    running = false;
    await load;
  }, 60_000);

  afterAll(async () => {
    if (t) {
      await t.close({ keepData: true });
      await rm(t.dataDir, { recursive: true, force: true });
    }
    await postgres?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves 200s before the outage', () => {
    const before = attempts.filter((a) => a.startedAt + a.ms < stoppingAt);
    expect(before.length).toBeGreaterThan(WORKERS);
    expect(before.filter((a) => a.status !== 200)).toEqual([]);
  });

  it('fails fast during the outage: 503 temporarily_unavailable with Retry-After, well under the client timeout', () => {
    // Requests started once PostgreSQL was down, and answered before it was started again.
    const outage = attempts.filter(
      (a) => a.startedAt > stoppedAt && a.startedAt + a.ms < restartingAt,
    );
    expect(outage.length).toBeGreaterThan(WORKERS);
    const shapes = new Set(outage.map((a) => `${a.status} ${a.error} ${a.retryAfter}`));
    expect([...shapes]).toEqual(['503 temporarily_unavailable 1']);
    expect(Math.max(...outage.map((a) => a.ms))).toBeLessThan(FAST_MS);
  });

  it('says 503 on /health during the outage, quickly', () => {
    const down = health.filter((h) => h.startedAt > stoppedAt && h.startedAt + h.ms < restartingAt);
    expect(down.length).toBeGreaterThan(3);
    expect(new Set(down.map((h) => h.status))).toEqual(new Set([503]));
    expect(Math.max(...down.map((h) => h.ms))).toBeLessThan(FAST_MS + 500);
  });

  it('recovers by itself within a few seconds of PostgreSQL coming back', () => {
    expect(firstOkAfterRestart).toBeDefined();
    expect(firstOkAfterRestart! - restartedAt).toBeLessThan(RECOVERY_MS);
    // Everything asked once the server saw the database again succeeds.
    const settled = attempts.filter((a) => a.startedAt > firstOkAfterRestart! + 500);
    expect(settled.length).toBeGreaterThan(WORKERS);
    expect(
      settled.filter((a) => a.status !== 200 && !(a.kind === 'refresh' && a.status === 400)),
    ).toEqual([]);
  });

  it('listens for changes again soon after the restart, and honours a client disabled then within the bound', async () => {
    expect(listeningAgainAt).toBeDefined();
    expect(listeningAgainAt! - restartedAt).toBeLessThan(RECOVERY_MS);
    const client = await registerClient(t, await adminAuth(t), {
      grant_types: ['client_credentials'],
    });
    const status = async () =>
      (await token(t, { grant_type: 'client_credentials' }, basic(client))).status;
    expect(await status()).toBe(200); // cached now
    expect(await status()).toBe(200);
    // Changed behind the server's back: only the change feed can tell it.
    await t.db.query('UPDATE clients SET disabled = true WHERE client_id = $1', [client.client_id]);
    const refused = await pollUntil(status, (s) => s === 401, { timeoutMs: 3000, intervalMs: 50 });
    expect(refused).toBe(401);
  });

  it('leaves every refresh-token family with exactly one usable token, or revoked for a lost answer', async () => {
    const rows = await t.db.query<{ id: string; revoked_reason: string | null; live: number }>(
      `SELECT f.id, f.revoked_reason, count(*) FILTER (WHERE t.consumed_at IS NULL)::int AS live
         FROM refresh_token_families f JOIN refresh_tokens t ON t.family_id = f.id
        WHERE f.client_id = $1 GROUP BY f.id`,
      [app.client_id],
    );
    expect(rows).toHaveLength(WORKERS);
    // No family ever holds two unconsumed tokens.
    expect(rows.filter((r) => r.live > 1)).toEqual([]);

    const refresh = (refreshToken: string) =>
      token(t, { grant_type: 'refresh_token', refresh_token: refreshToken }, basic(app));
    const check = async (family: Family) => {
      const last = family.seen.at(-1)!;
      const [owner] = await t.db.query<{ family_id: string }>(
        'SELECT family_id FROM refresh_tokens WHERE digest = $1',
        [refreshTokenKey(last)],
      );
      const row = rows.find((r) => r.id === owner.family_id)!;
      if (!family.refused) {
        // Never refused: the last token the client got is the one live token, and it works.
        expect(row).toMatchObject({ revoked_reason: null, live: 1 });
        expect((await refresh(last)).status).toBe(200);
      } else {
        // Refused: the token the client presented had been consumed by a rotation whose
        // answer never reached it — its successor exists, unseen — and the replay revoked
        // the family.
        expect(family.refused).toBe(last);
        expect(row.revoked_reason).toBe('reuse');
        const tokens = await t.db.query<{ digest: Buffer }>(
          'SELECT digest FROM refresh_tokens WHERE family_id = $1',
          [row.id],
        );
        const seen = new Set(family.seen.map((s) => refreshTokenKey(s).toString('hex')));
        expect(tokens.filter((tk) => !seen.has(tk.digest.toString('hex')))).toHaveLength(1);
        expect((await refresh(last)).body.error).toBe('invalid_grant');
      }
      // No other token the client ever saw works (newest first; each is a replay now).
      for (const spent of family.seen.slice(0, -1).reverse()) {
        expect((await refresh(spent)).body.error).toBe('invalid_grant');
      }
    };
    await Promise.all(families.map(check));
  });
});
