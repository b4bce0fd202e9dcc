import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { BrowserAgent, hiddenField } from '../support/browser-agent.js';
import type { Credentials } from '../support/http-client.js';
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
import { pkcePair } from '../support/pkce.js';
import { pollUntil } from '../support/poll.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

/*
 * Two instances of one deployment on one database, under load on both, handing work to each
 * other: a user signs in and consents at A and the client redeems the code at B; a signing
 * key rotated through A's admin API is published, accepted and used by B within the bound
 * the change feed gives (test/e2e/two-instances covers refresh races and client_credentials;
 * test/e2e/key-rotation covers rotation on one instance).
 */

const ISSUER = 'https://auth.example.test';
const SHARED = {
  ISSUER,
  ADMIN_CLIENT_SECRET: randomBytes(32).toString('base64url'),
  COOKIE_SECRET: randomBytes(32).toString('base64url'),
};
const CALLBACK = 'https://app.example.com/callback';
const PASSWORD = 'correct horse battery staple';
const USERS = 6; // concurrent browser flows
const LOAD_WORKERS = 6; // per instance
const BOUND_MS = 3000; // a change reaches the other instance within this (change feed)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('two instances hand work to each other under load', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: Credentials;
  let web: Registered;
  let service: Registered;
  let stopLoad: () => Promise<string[]>;

  /** client_credentials on both instances until stopped; answers other than 200, verbatim. */
  const startLoad = () => {
    let running = true;
    const unexpected: string[] = [];
    const worker = async (t: TestApp) => {
      while (running) {
        const res = await token(t, { grant_type: 'client_credentials' }, basic(service));
        if (res.status !== 200) unexpected.push(`${res.status} ${res.text}`);
      }
    };
    const workers = [a, b].flatMap((t) => Array.from({ length: LOAD_WORKERS }, () => worker(t)));
    return async () => {
      running = false;
      await Promise.all(workers);
      return unexpected;
    };
  };

  const authorizePath = (challenge: string, state: string) =>
    `/oauth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: web.client_id,
      redirect_uri: CALLBACK,
      scope: 'openid notes:read',
      state,
      nonce: `n-${state}`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString()}`;

  /**
   * Sign-in and consent at `t` (a consent given before is remembered and skips the page);
   * answers the code from the redirect to the client.
   */
  const codeAt = async (t: TestApp, username: string, state: string, challenge: string) => {
    const agent = new BrowserAgent(t.baseUrl);
    const start = await agent.get(authorizePath(challenge, state));
    expect(start.location).toMatch(/^\/login\?/);
    const login = await agent.get(start.location!);
    const afterLogin = await agent.post('/login', {
      csrf_token: hiddenField(login.text, 'csrf_token'),
      request: hiddenField(login.text, 'request'),
      username,
      password: PASSWORD,
    });
    let next = afterLogin;
    if (next.location!.startsWith('/consent?')) {
      const consent = await agent.get(next.location!);
      next = await agent.post('/consent', {
        csrf_token: hiddenField(consent.text, 'csrf_token'),
        request: hiddenField(consent.text, 'request'),
        decision: 'allow',
      });
    }
    const redirect = new URL(next.location!);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(CALLBACK);
    expect(redirect.searchParams.get('state')).toBe(state);
    expect(redirect.searchParams.get('iss')).toBe(ISSUER);
    return redirect.searchParams.get('code')!;
  };

  const redeem = (t: TestApp, code: string, verifier: string) =>
    token(
      t,
      { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
      basic(web),
    );

  const introspect = (t: TestApp, jwt: string, caller = web) =>
    t.http.form<{ active: boolean; sub?: string }>(
      '/oauth/introspect',
      { token: jwt },
      basic(caller),
    );

  beforeAll(async () => {
    const database = await createTestDatabase();
    [a, b] = await Promise.all([
      startTestApp({ database, env: SHARED }),
      startTestApp({ database, env: SHARED }),
    ]);
    admin = await adminAuth(a);
    web = await registerClient(a, admin, {
      client_name: 'Notes Web',
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid notes:read',
    });
    service = await registerClient(b, admin, { grant_types: ['client_credentials'] });
    for (let i = 0; i < USERS; i++) {
      await createUser(i % 2 ? b : a, admin, { username: `hand-${i}`, password: PASSWORD });
    }
    stopLoad = startLoad();
  }, 60_000);

  afterAll(async () => {
    await b?.close({ keepData: true });
    if (b) await rm(b.dataDir, { recursive: true, force: true });
    await a?.close();
  });

  it('redeems at B the codes users got by signing in and consenting at A, with PKCE', async () => {
    const flows = await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const { verifier, challenge } = pkcePair();
        const code = await codeAt(a, `hand-${i}`, `s${i}`, challenge);
        return { i, res: await redeem(b, code, verifier) };
      }),
    );
    const users = await a.db.query<{ id: string; username: string }>(
      `SELECT id, username FROM users WHERE username LIKE 'hand-%'`,
    );
    for (const { i, res } of flows) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'openid notes:read' });
      const sub = users.find((u) => u.username === `hand-${i}`)!.id;
      expect(claimsOf(res.body.access_token!)).toMatchObject({ sub, client_id: web.client_id });
      const idToken = (res.body as TokenBody & { id_token: string }).id_token;
      expect(claimsOf(idToken)).toMatchObject({ sub, nonce: `n-s${i}`, aud: web.client_id });
      // Each instance accepts what the other issued.
      expect((await introspect(a, res.body.access_token!)).body).toMatchObject({
        active: true,
        sub,
      });
    }
  });

  it('refuses at A a code already redeemed at B, and revokes what B issued for it', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await codeAt(a, 'hand-0', 'replay', challenge);
    const first = await redeem(b, code, verifier);
    expect(first.status).toBe(200);
    const replay = await redeem(a, code, verifier);
    expect({ status: replay.status, error: replay.body.error }).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
    // The replay revoked the grant: its refresh token and access token are dead at both.
    const refreshed = await token(
      b,
      { grant_type: 'refresh_token', refresh_token: first.body.refresh_token! },
      basic(web),
    );
    expect(refreshed.body.error).toBe('invalid_grant');
    const dead = await pollUntil(
      async () => (await introspect(b, first.body.access_token!)).body.active,
      (active) => active === false,
      { timeoutMs: BOUND_MS, intervalMs: 50 },
    );
    expect(dead).toBe(false);
    const codes = await a.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM authorization_codes WHERE consumed_at IS NOT NULL`,
    );
    expect(codes[0].n).toBe(USERS + 1);
  });

  it('burns at A too a code whose PKCE check failed at B', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await codeAt(a, 'hand-1', 'burn', challenge);
    const wrong = await redeem(b, code, pkcePair().verifier);
    expect({ status: wrong.status, error: wrong.body.error }).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
    const late = await redeem(a, code, verifier);
    expect({ status: late.status, error: late.body.error }).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
  });

  it('rotates the signing key through A: B publishes it, accepts its tokens and signs with it, within the bound', async () => {
    const jwksOf = async (t: TestApp) =>
      (await t.http.get<JSONWebKeySet>('/.well-known/jwks.json')).body;
    const before = await a.http.clientToken(service.client_id, service.client_secret!);
    const oldKid = decodeProtectedHeader(before).kid!;
    const oldKids = (await jwksOf(a)).keys.map((k) => k.kid);
    expect(oldKids).toContain(oldKid);
    // B has verified (and cached) a token of the old key.
    expect((await introspect(b, before, service)).body.active).toBe(true);

    const rotated = await a.http.request<{ kid: string; rotated: { kid: string }[] }>(
      'POST',
      '/admin/keys/rotate',
      { auth: admin },
    );
    expect(rotated.status).toBe(201);
    const newKid = rotated.body.kid;
    // Every algorithm's key is rotated, in one transaction: B sees all of them or none.
    const newKids = rotated.body.rotated.map((k) => k.kid);
    expect(newKids).toContain(newKid);
    const rotatedAt = Date.now();
    const afterRotation = await a.http.clientToken(service.client_id, service.client_secret!);
    expect(decodeProtectedHeader(afterRotation).kid).toBe(newKid);

    const published = await pollUntil(
      () => jwksOf(b),
      (jwks) => jwks.keys.some((k) => k.kid === newKid),
      { timeoutMs: BOUND_MS, intervalMs: 50 },
    );
    expect(published.keys.map((k) => k.kid).sort()).toEqual([...oldKids, ...newKids].sort());
    const accepted = await pollUntil(
      async () => (await introspect(b, afterRotation, service)).body.active,
      (active) => active,
      { timeoutMs: BOUND_MS, intervalMs: 50 },
    );
    expect(accepted).toBe(true);
    const signsWithIt = await pollUntil(
      async () =>
        decodeProtectedHeader(await b.http.clientToken(service.client_id, service.client_secret!))
          .kid,
      (kid) => kid === newKid,
      { timeoutMs: BOUND_MS, intervalMs: 50 },
    );
    expect(signsWithIt).toBe(newKid);
    expect(Date.now() - rotatedAt).toBeLessThan(BOUND_MS + 1000);

    // B's JWKS verifies the new key's tokens for a resource server; the old key's still work.
    const jwks = createLocalJWKSet(published);
    await expect(jwtVerify(afterRotation, jwks, { issuer: ISSUER })).resolves.toBeTruthy();
    expect((await introspect(b, before, service)).body.active).toBe(true);
    expect((await introspect(a, before, service)).body.active).toBe(true);
  });

  it('a rotation while the change feed is down reaches B once it listens again', async () => {
    const listening = () =>
      a.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = 'portcullis-change-feed' AND datname = current_database()`,
      );
    expect(await listening()).toEqual([{ n: 2 }]);
    // Both instances lose their notifications; the rotation lands before they are back.
    await a.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'portcullis-change-feed' AND datname = current_database()`,
    );
    const rotated = await a.http.request<{ kid: string }>('POST', '/admin/keys/rotate', {
      auth: admin,
    });
    expect(rotated.status).toBe(201);
    const rotatedAt = Date.now();
    const signed = await a.http.clientToken(service.client_id, service.client_secret!);
    expect(decodeProtectedHeader(signed).kid).toBe(rotated.body.kid);
    // Asked nothing meanwhile (a cache bypassed while the feed is down would hide the gap).
    await pollUntil(listening, ([{ n }]) => n === 2, { timeoutMs: 10_000, intervalMs: 50 });

    const published = await pollUntil(
      async () =>
        (await b.http.get<JSONWebKeySet>('/.well-known/jwks.json')).body.keys.map((k) => k.kid),
      (kids) => kids.includes(rotated.body.kid),
      { timeoutMs: BOUND_MS, intervalMs: 50 },
    );
    expect(published).toContain(rotated.body.kid);
    const accepted = await pollUntil(
      async () => (await introspect(b, signed, service)).body.active,
      (active) => active,
      { timeoutMs: BOUND_MS, intervalMs: 50 },
    );
    expect(accepted).toBe(true);
    const signsWithIt = await pollUntil(
      async () =>
        decodeProtectedHeader(await b.http.clientToken(service.client_id, service.client_secret!))
          .kid,
      (kid) => kid === rotated.body.kid,
      { timeoutMs: BOUND_MS, intervalMs: 50 },
    );
    expect(signsWithIt).toBe(rotated.body.kid);
    expect(Date.now() - rotatedAt).toBeLessThan(BOUND_MS + 2000);
  });

  it('served the load on both instances throughout with 200s only', async () => {
    await sleep(100);
    expect(await stopLoad()).toEqual([]);
  });
});
