import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { migrations } from '../../migrations/index.js';
import { basicAuth, type Credentials, type HttpResponse } from '../support/http-client.js';
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
import { BrowserAgent } from '../support/browser-agent.js';
import { pkcePair } from '../support/pkce.js';
import { pollUntil } from '../support/poll.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import { refreshTokenKey } from '../support/refresh-token-key.js';

/*
 * Two instances of one deployment on one database, under load on both at once. This is a
 * correctness test: the throughput floor only catches a server that stalls. Benchmarks
 * (how fast, against peer servers) live in bench/.
 */

// Instances of one deployment share their configuration: issuer, admin credentials, key secret.
const ISSUER = 'https://auth.example.test';
const ADMIN_SECRET = randomBytes(32).toString('base64url');
const CONNECTIONS = 20; // per instance
const MIN_LOAD_SECONDS = 3; // the load runs until the refreshes below are done, at least this long
const MAX_LOAD_SECONDS = 30;
const MIN_REQUESTS_PER_SECOND = 50; // both instances together; real runs do far more
const RACERS = 10; // per instance, all presenting one refresh token
const FAMILIES = 10;
const ROTATIONS = 20; // per family, alternating instances
const SAMPLES = 20; // access tokens per instance, spread over the load, for cross-introspection
const PASSWORD = 'correct horse battery staple';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one instance answered under load. */
interface Load {
  result: autocannon.Result;
  statuses: Record<string, number>;
  /** The first few answers that were not a 200 with a Bearer token, verbatim. */
  unexpected: string[];
  /** Every access token answered. */
  tokens: string[];
}

/**
 * client_credentials requests on `CONNECTIONS` keep-alive connections, from now until `stop()`
 * (at most `MAX_LOAD_SECONDS`).
 */
function startLoad(t: TestApp, client: Registered): { stop(): void; done: Promise<Load> } {
  const out: Omit<Load, 'result'> = { statuses: {}, unexpected: [], tokens: [] };
  let instance!: autocannon.Instance;
  const done = new Promise<Load>((resolve, reject) => {
    instance = autocannon(
      {
        url: `${t.baseUrl}/oauth/token`,
        connections: CONNECTIONS,
        duration: MAX_LOAD_SECONDS,
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(client.client_id, client.client_secret!),
        },
        body: 'grant_type=client_credentials&scope=orders%3Aread',
        requests: [
          {
            onResponse: (status, body) => {
              out.statuses[status] = (out.statuses[status] ?? 0) + 1;
              let accessToken: string | undefined;
              try {
                const parsed = JSON.parse(body) as TokenBody;
                if (parsed.token_type === 'Bearer') accessToken = parsed.access_token;
              } catch {
                // Not JSON: reported below.
              }
              if (status !== 200 || !accessToken) {
                if (out.unexpected.length < 5) out.unexpected.push(`${status} ${body}`);
                return;
              }
              out.tokens.push(accessToken);
            },
          },
        ],
      },
      (error: Error | null, result) => (error ? reject(error) : resolve({ result, ...out })),
    );
  });
  return { stop: () => instance.stop(), done };
}

const refresh = (t: TestApp, refreshToken: string, auth: Credentials) =>
  token(t, { grant_type: 'refresh_token', refresh_token: refreshToken }, auth);

const brief = (res: HttpResponse<TokenBody>) => `${res.status} ${res.text}`;

/** Reads `query` until `done` holds or ~3 s pass (audit rows may be written in batches). */
const poll = <T>(query: () => Promise<T>, done: (value: T) => boolean): Promise<T> =>
  pollUntil(query, done, { timeoutMs: 3000, intervalMs: 100 });

describe('two instances on one database, under concurrent load', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: Credentials;
  let service: Registered; // client_credentials, the load
  let app: Registered; // password + refresh_token
  let other: Registered; // password + refresh_token, a different client

  const peer = (t: TestApp) => (t === a ? b : a);
  const login = async (t: TestApp, username: string) => {
    const res = await token(
      t,
      { grant_type: 'password', username, password: PASSWORD },
      basic(app),
    );
    if (res.status !== 200) throw new Error(`password grant failed: ${brief(res)}`);
    return res.body.refresh_token!;
  };

  beforeAll(async () => {
    const database = await createTestDatabase();
    const env = { ISSUER, ADMIN_CLIENT_SECRET: ADMIN_SECRET };
    // Booting together: both run the migrations and the first-boot work at the same moment.
    const started = await Promise.allSettled([
      startTestApp({ database, env }),
      startTestApp({ database, env }),
    ]);
    [a, b] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined!));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;

    admin = await adminAuth(a);
    service = await registerClient(a, admin, {
      grant_types: ['client_credentials'],
      scope: 'orders:read orders:write',
    });
    // Registered through B with A's admin token: one deployment, one set of keys and clients.
    app = await registerClient(b, admin, {
      grant_types: ['password', 'refresh_token'],
      scope: 'read',
    });
    other = await registerClient(b, admin, {
      grant_types: ['password', 'refresh_token'],
      scope: 'read',
    });
    await createUser(b, admin, { username: 'racer', password: PASSWORD });
    await createUser(a, admin, { username: 'chainer', password: PASSWORD });
  }, 60_000);

  afterAll(async () => {
    await b?.close({ keepData: true });
    if (b) await rm(b.dataDir, { recursive: true, force: true });
    await a?.close();
  });

  it('boots both at once: migrations applied once, one signing key per algorithm, the same JWKS', async () => {
    expect(await a.db.query('SELECT count(*)::int AS n FROM migrations')).toEqual([
      { n: migrations.length },
    ]);
    // One signing key per algorithm, not one per instance.
    expect(
      await a.db.query(
        'SELECT alg, count(*)::int AS n FROM signing_keys GROUP BY alg ORDER BY alg',
      ),
    ).toEqual(['ES256', 'EdDSA', 'PS256', 'RS256'].map((alg) => ({ alg, n: 1 })));
    const [jwksA, jwksB] = await Promise.all([
      a.http.get('/.well-known/jwks.json'),
      b.http.get('/.well-known/jwks.json'),
    ]);
    expect(jwksA.status).toBe(200);
    expect(jwksB.body).toEqual(jwksA.body);
  });

  it('takes a request_uri pushed at one instance once, whichever instances browsers bring it to', async () => {
    const web = await registerClient(a, admin, {
      redirect_uris: ['https://app.example.com/cb'],
      scope: 'openid',
    });
    const pushed = await a.http.form<{ request_uri: string }>(
      '/oauth/par',
      {
        response_type: 'code',
        scope: 'openid',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      },
      basic(web),
    );
    expect(pushed.status).toBe(201);
    const path = `/oauth/authorize?${new URLSearchParams({
      client_id: web.client_id,
      request_uri: pushed.body.request_uri,
    }).toString()}`;
    const answers = await Promise.all(
      Array.from({ length: 2 * RACERS }, (_, i) =>
        new BrowserAgent((i % 2 ? b : a).baseUrl).get(path),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 302)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(2 * RACERS - 1);
    expect(answers.find((answer) => answer.status === 302)?.location).toMatch(/^\/login\?request=/);
  });

  describe('while both serve client_credentials on 2 × 20 connections', () => {
    let loads: Load[];
    let raceToken: string;
    let race: { instance: TestApp; res: HttpResponse<TokenBody> }[];
    let chains: { familyId: string; tokens: string[]; failures: string[] }[];
    let bad: { what: string; res: HttpResponse<TokenBody> }[];

    /** One family rotated ROTATIONS times, alternating instances, with bad input midway. */
    const chain = async (index: number, first: string) => {
      const [row] = await a.db.query<{ family_id: string }>(
        'SELECT family_id FROM refresh_tokens WHERE digest = $1',
        [refreshTokenKey(first)],
      );
      const tokens = [first];
      const failures: string[] = [];
      for (let step = 0; step < ROTATIONS; step++) {
        const t = (index + step) % 2 ? b : a;
        const current = tokens[tokens.length - 1];
        if (step === ROTATIONS / 2 && index % 2 === 0) {
          // Neither may consume the token, nor count as its reuse.
          const wrong: Credentials = { basic: [app.client_id, 'not-the-secret'] };
          bad.push({ what: 'wrong secret', res: await refresh(t, current, wrong) });
          bad.push({ what: 'other client', res: await refresh(t, current, basic(other)) });
        }
        const res = await refresh(t, current, basic(app));
        if (res.status !== 200 || !res.body.refresh_token) {
          failures.push(`family ${index} step ${step}: ${brief(res)}`);
          break;
        }
        tokens.push(res.body.refresh_token);
      }
      return { familyId: row.family_id, tokens, failures };
    };

    /** Wrong client secrets and unknown clients, spread over the load, at both instances. */
    const badClients = async () => {
      for (let i = 0; i < 10; i++) {
        await sleep(100);
        const t = i % 2 ? b : a;
        const auth: Credentials =
          i % 4 < 2
            ? { basic: [service.client_id, 'not-the-secret'] }
            : { basic: ['no-such-client', service.client_secret!] };
        bad.push({
          what: 'bad client credentials',
          res: await token(t, { grant_type: 'client_credentials' }, auth),
        });
      }
    };

    beforeAll(async () => {
      raceToken = await login(a, 'racer');
      const firsts = await Promise.all(
        Array.from({ length: FAMILIES }, (_, i) => login(i % 2 ? b : a, 'chainer')),
      );
      bad = [];
      const running = [startLoad(a, service), startLoad(b, service)];
      try {
        await sleep(300); // the load is running
        [race, chains] = await Promise.all([
          Promise.all(
            Array.from({ length: 2 * RACERS }, async (_, i) => {
              const instance = i % 2 ? b : a;
              return { instance, res: await refresh(instance, raceToken, basic(app)) };
            }),
          ),
          Promise.all(firsts.map((first, i) => chain(i, first))),
          badClients(),
          sleep(MIN_LOAD_SECONDS * 1000 - 300),
        ]);
      } finally {
        for (const load of running) load.stop();
        loads = await Promise.all(running.map((load) => load.done));
      }
    }, 60_000);

    it('answers every token request with 200, no errors, above a floor that only a stall misses', () => {
      for (const { result, statuses, unexpected } of loads) {
        expect({ statuses, unexpected, errors: result.errors, timeouts: result.timeouts }).toEqual({
          statuses: { 200: result['2xx'] },
          unexpected: [],
          errors: 0,
          timeouts: 0,
        });
        // Both instances carried the load, not one of them alone.
        expect(result['2xx'] / result.duration).toBeGreaterThan(MIN_REQUESTS_PER_SECOND / 5);
      }
      const total = loads.reduce((sum, { result }) => sum + result['2xx'], 0);
      const seconds = Math.max(...loads.map(({ result }) => result.duration));
      expect(total / seconds).toBeGreaterThan(MIN_REQUESTS_PER_SECOND);
      const jtis = loads.flatMap((l) => l.tokens.map((t) => claimsOf(t).jti));
      expect(new Set(jtis).size).toBe(jtis.length);
    });

    it("accepts every sampled token of one instance at the other's introspection", async () => {
      const [fromA, fromB] = loads.map(({ tokens }) =>
        Array.from(
          { length: SAMPLES },
          (_, i) => tokens[Math.floor((i * tokens.length) / SAMPLES)],
        ),
      );
      const checks = [
        ...fromA.map((accessToken) => ({ accessToken, at: b })),
        ...fromB.map((accessToken) => ({ accessToken, at: a })),
      ];
      const answers = await Promise.all(
        checks.map(({ accessToken, at }) =>
          at.http.form('/oauth/introspect', { token: accessToken }, basic(service)),
        ),
      );
      answers.forEach((res, i) => {
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          active: true,
          client_id: service.client_id,
          scope: 'orders:read',
          iss: ISSUER,
          jti: claimsOf(checks[i].accessToken).jti,
        });
      });
    });

    it('lets exactly one of 20 concurrent refreshes with one token win across both instances, then revokes the family', async () => {
      const winners = race.filter((r) => r.res.status === 200);
      expect(winners.map((w) => brief(w.res).slice(0, 40))).toHaveLength(1);
      const losers = race.filter((r) => r.res.status !== 200).map((r) => brief(r.res));
      expect(losers.filter((l) => !/^400 .*"error":"invalid_grant"/.test(l))).toEqual([]);
      expect(losers).toHaveLength(2 * RACERS - 1);
      // The losers presented a consumed token: the family is revoked, the winner's successor too.
      const successor = await refresh(
        peer(winners[0].instance),
        winners[0].res.body.refresh_token!,
        basic(app),
      );
      expect(successor.status).toBe(400);
      expect(successor.body.error).toBe('invalid_grant');

      const [family] = await a.db.query<{ id: string; revoked_reason: string | null }>(
        `SELECT f.id, f.revoked_reason FROM refresh_token_families f
           JOIN refresh_tokens t ON t.family_id = f.id WHERE t.digest = $1`,
        [refreshTokenKey(raceToken)],
      );
      expect(family.revoked_reason).toBe('reuse');
      const rows = await a.db.query<{ original: boolean; consumed: boolean }>(
        `SELECT digest = $2 AS original, consumed_at IS NOT NULL AS consumed
           FROM refresh_tokens WHERE family_id = $1 ORDER BY created_at`,
        [family.id, refreshTokenKey(raceToken)],
      );
      // The raced token, consumed, and exactly one successor (never used: its family was revoked).
      expect(rows).toEqual([
        { original: true, consumed: true },
        { original: false, consumed: false },
      ]);
      const reuse = await poll(
        () =>
          a.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM audit_events
              WHERE type = 'refresh.reuse_detected' AND details->>'family_id' = $1`,
            [family.id],
          ),
        ([{ n }]) => n >= 1,
      );
      expect(reuse).toEqual([{ n: 1 }]);
    });

    it('rotates 10 families 20 times each, alternating instances, all at once: every step succeeds once', async () => {
      expect(chains.flatMap((c) => c.failures)).toEqual([]);
      const all = chains.flatMap((c) => c.tokens);
      expect(all).toHaveLength(FAMILIES * (ROTATIONS + 1));
      expect(new Set(all).size).toBe(all.length);

      const families = await a.db.query<{
        id: string;
        tokens: number;
        consumed: number;
        revoked_at: Date | null;
      }>(
        `SELECT f.id, f.revoked_at, count(t.*)::int AS tokens,
                count(t.consumed_at)::int AS consumed
           FROM refresh_token_families f JOIN refresh_tokens t ON t.family_id = f.id
          WHERE f.id = ANY($1) GROUP BY f.id`,
        [chains.map((c) => c.familyId)],
      );
      expect(families).toHaveLength(FAMILIES);
      for (const family of families) {
        expect(family).toMatchObject({
          tokens: ROTATIONS + 1,
          consumed: ROTATIONS,
          revoked_at: null,
        });
      }

      // Whichever instance is asked: the last token is live, the one before it spent.
      for (const [i, { tokens }] of chains.entries()) {
        const t = i % 2 ? a : b;
        const last = await t.http.form('/oauth/introspect', { token: tokens.at(-1)! }, basic(app));
        expect(last.body).toMatchObject({ active: true, token_type: 'refresh_token', iss: ISSUER });
        const spent = await peer(t).http.form(
          '/oauth/introspect',
          { token: tokens.at(-2)! },
          basic(app),
        );
        expect(spent.body).toEqual({ active: false });
      }
    });

    it('refuses bad client credentials and other clients’ refresh tokens during the load, changing nothing', async () => {
      expect(bad.length).toBe(10 + FAMILIES);
      for (const { what, res } of bad) {
        const expected =
          what === 'other client'
            ? { what, status: 400, error: 'invalid_grant' }
            : { what, status: 401, error: 'invalid_client' };
        expect({ what, status: res.status, error: res.body.error }).toEqual(expected);
        if (res.status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
      }
      // Neither the families (above) nor the load client were affected.
      for (const t of [a, b]) {
        const res = await token(t, { grant_type: 'client_credentials' }, basic(service));
        expect(res.status).toBe(200);
      }
      const reuse = await a.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE type = 'refresh.reuse_detected'`,
      );
      expect(reuse).toEqual([{ n: 1 }]); // the race's, nothing from the bad input
    });

    it('writes one refresh.rotated audit row per successful rotation', async () => {
      const expected = new Map(chains.map((c) => [c.familyId, ROTATIONS]));
      const [raced] = await a.db.query<{ family_id: string }>(
        'SELECT family_id FROM refresh_tokens WHERE digest = $1',
        [refreshTokenKey(raceToken)],
      );
      expected.set(raced.family_id, 1);
      const total = FAMILIES * ROTATIONS + 1;
      const count = () =>
        a.db.query<{ family_id: string; n: number }>(
          `SELECT details->>'family_id' AS family_id, count(*)::int AS n FROM audit_events
            WHERE type = 'refresh.rotated' GROUP BY 1`,
        );
      const rows = await poll(count, (r) => r.reduce((sum, { n }) => sum + n, 0) >= total);
      expect(new Map(rows.map((r) => [r.family_id, r.n]))).toEqual(expected);
    });
  });
});
