import { generateKeyPairSync } from 'node:crypto';
import type { Credentials } from '../support/http-client.js';
import { adminAuth, basic, registerClient, token, type Registered } from '../support/flows.js';
import { startCozeSimulator } from '../support/coze-simulator.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const APP_ID = '1170000000001';
const KID = 'coze-public-key-1';

type Answer = {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  expires_at?: number;
  error?: string;
  upstream_error?: { code: number; message: string };
};

describe('Coze token broker', () => {
  let t: TestApp;
  let admin: Credentials;
  let coze: Awaited<ReturnType<typeof startCozeSimulator>>;
  let caller: Registered;
  let other: Registered;
  let anySession: Registered;

  const callerToken = async (client: Registered) =>
    (await token(t, { grant_type: 'client_credentials' }, basic(client))).body.access_token!;
  const brokered = async (
    client: Registered,
    headers: Record<string, string> = {},
    connection = 'coze-main',
  ) =>
    t.http.request<Answer>('POST', `/upstream/coze/${connection}/token`, {
      auth: { bearer: await callerToken(client) },
      headers,
    });

  beforeAll(async () => {
    coze = await startCozeSimulator({ appId: APP_ID, kid: KID, publicKey });
    t = await startTestApp({ env: { UPSTREAM_TIMEOUT_MS: '1000' } });
    admin = await adminAuth(t);
    const created = await t.http.json(
      'POST',
      '/admin/upstreams',
      {
        name: 'coze-main',
        provider: 'coze',
        client_id: APP_ID,
        private_key: PRIVATE_PEM,
        kid: KID,
        token_endpoint: coze.tokenEndpoint,
        token_duration: 600,
      },
      admin,
    );
    expect(created.status).toBe(201);
    caller = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'upstream:coze',
    });
    other = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'upstream:coze',
    });
    anySession = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'upstream:coze upstream:coze:any-session',
    });
  });
  afterAll(async () => {
    await t.close();
    await coze.close();
  });

  it('keeps the private key out of every admin answer, and encrypted at rest', async () => {
    const shown = await t.http.get('/admin/upstreams/coze-main', admin);
    expect(shown.body).toMatchObject({
      name: 'coze-main',
      provider: 'coze',
      client_id: APP_ID,
      kid: KID,
      private_key_set: true,
      token_duration: 600,
    });
    const list = await t.http.get('/admin/upstreams', admin);
    for (const text of [shown.text, list.text]) expect(text).not.toContain('PRIVATE KEY');
    const rows = JSON.stringify(await t.db.query('SELECT * FROM upstream_connections'));
    expect(rows).not.toContain('PRIVATE KEY');
    expect(rows).not.toContain(PRIVATE_PEM.split('\n')[1]);
  });

  it('mints a Coze token for the caller’s session, answering in RFC 6749 shape, then serves it from the cache', async () => {
    const before = coze.state.calls;
    const first = await brokered(caller);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body.access_token).toMatch(/^czs_/);
    expect(first.body.token_type).toBe('Bearer');
    expect(first.body.expires_in).toBeGreaterThan(590);
    expect(first.body.expires_in).toBeLessThanOrEqual(600);
    expect(first.body.expires_at! - Math.floor(Date.now() / 1000)).toBeGreaterThan(590);
    expect(coze.state.sessions.at(-1)).toBe(caller.client_id); // session_name = the caller's sub

    const again = await brokered(caller);
    expect(again.body.access_token).toBe(first.body.access_token);
    expect(coze.state.calls).toBe(before + 1);

    const rows = JSON.stringify(await t.db.query('SELECT * FROM upstream_tokens'));
    expect(rows).not.toContain(first.body.access_token);
  });

  it('gives two sessions two tokens', async () => {
    const a = await brokered(caller);
    const b = await brokered(other);
    expect(a.body.access_token).not.toBe(b.body.access_token);
  });

  it('lets only callers with upstream:coze:any-session name another session (X-User-ID)', async () => {
    const refused = await brokered(caller, { 'x-user-id': 'someone-else' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('upstream:coze:any-session');
    const allowed = await brokered(anySession, { 'x-user-id': 'end-user-7' });
    expect(allowed.status).toBe(200);
    expect(coze.state.sessions.at(-1)).toBe('end-user-7');
  });

  it('makes exactly one upstream call for 100 concurrent requests for one session', async () => {
    const before = coze.state.calls;
    const bearer = await callerToken(anySession);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        t.http.request<Answer>('POST', '/upstream/coze/coze-main/token', {
          auth: { bearer },
          headers: { 'x-user-id': 'crowd' },
        }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.body.access_token)).size).toBe(1);
    expect(coze.state.calls).toBe(before + 1);
  });

  it('renews a token that is within the refresh margin of its expiry', async () => {
    const first = await brokered(anySession, { 'x-user-id': 'renewal' });
    await t.db.query(
      `UPDATE upstream_tokens SET expires_at = now() + interval '30 seconds' WHERE subject = 'renewal'`,
    );
    const renewed = await brokered(anySession, { 'x-user-id': 'renewal' });
    expect(renewed.body.access_token).not.toBe(first.body.access_token);
  });

  it('answers upstream failures without caching them: 500 → 502 after retries, timeout → 504, refusal → 502 with the code', async () => {
    const session = { 'x-user-id': 'failures' };
    coze.state.behaviour = 'fail-500';
    const before = coze.state.calls;
    const failed = await brokered(anySession, session);
    expect(failed.status).toBe(502);
    expect(failed.body.error).toBe('upstream_unavailable');
    expect(coze.state.calls - before).toBe(3); // one try and two retries

    coze.state.behaviour = 'slow';
    const slow = await brokered(anySession, session);
    expect(slow.status).toBe(504);
    expect(slow.body.error).toBe('upstream_unavailable');

    coze.state.behaviour = 'refuse';
    const refused = await brokered(anySession, session);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({
      error: 'upstream_error',
      upstream_error: { code: 4100, message: 'app is disabled' },
    });
    expect(JSON.stringify(refused.body)).not.toContain('PRIVATE');

    expect(await t.db.query(`SELECT 1 FROM upstream_tokens WHERE subject = 'failures'`)).toEqual(
      [],
    );
    coze.state.behaviour = 'ok';
    expect((await brokered(anySession, session)).status).toBe(200);
  }, 30_000);

  it('uses the enterprise path when the connection has an account_id', async () => {
    const res = await t.http.json(
      'PATCH',
      '/admin/upstreams/coze-main',
      { account_id: 'acct-42' },
      admin,
    );
    expect(res.status).toBe(200);
    await brokered(caller);
    expect(coze.state.paths.at(-1)).toBe('/api/permission/oauth2/account/acct-42/token');
  });

  it('requires the upstream:coze scope, an existing connection and valid settings', async () => {
    const plain = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'notes:read',
    });
    expect((await brokered(plain)).status).toBe(403);
    expect((await t.http.request('POST', '/upstream/coze/coze-main/token')).status).toBe(401);
    expect((await brokered(caller, {}, 'nope')).status).toBe(404);
    for (const [body, field] of [
      [
        { name: 'bad1', provider: 'coze', client_id: 'x', kid: 'k', private_key: 'not a key' },
        'private_key',
      ],
      [
        {
          name: 'bad2',
          provider: 'coze',
          client_id: 'x',
          kid: 'k',
          private_key: PRIVATE_PEM,
          token_endpoint: 'http://example.com/t',
        },
        'token_endpoint',
      ],
      [
        {
          name: 'bad3',
          provider: 'coze',
          client_id: 'x',
          kid: 'k',
          private_key: PRIVATE_PEM,
          token_duration: 90000,
        },
        'token_duration',
      ],
      [{ name: 'bad4', provider: 'coze', kid: 'k', private_key: PRIVATE_PEM }, 'client_id'],
    ] as const) {
      const res = await t.http.json('POST', '/admin/upstreams', body, admin);
      expect([field, res.status]).toEqual([field, 400]);
      expect(res.body.error_description).toContain(field);
    }
    expect(
      await t.db.query(`SELECT name FROM upstream_connections WHERE name LIKE 'bad%'`),
    ).toEqual([]);
  });
});

describe('Coze token broker with a slow upstream', () => {
  let t: TestApp;
  let coze: Awaited<ReturnType<typeof startCozeSimulator>>;

  beforeAll(async () => {
    coze = await startCozeSimulator({ appId: APP_ID, kid: KID, publicKey });
    t = await startTestApp({ env: { UPSTREAM_TIMEOUT_MS: '8000' } });
    const admin = await adminAuth(t);
    const created = await t.http.json(
      'POST',
      '/admin/upstreams',
      {
        name: 'coze-slow',
        provider: 'coze',
        client_id: APP_ID,
        private_key: PRIVATE_PEM,
        kid: KID,
        token_endpoint: coze.tokenEndpoint,
      },
      admin,
    );
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    await coze.close();
  });

  it('keeps token requests served while many sessions wait on it', async () => {
    const admin = await adminAuth(t);
    const broker = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'upstream:coze upstream:coze:any-session',
    });
    const bearer = (await token(t, { grant_type: 'client_credentials' }, basic(broker))).body
      .access_token!;
    // Each mint holds a database connection for as long as Coze takes: longer than a request
    // may wait for one (3 s). Twelve at once would hold the whole pool (10) without a cap.
    coze.state.behaviour = 'slow';
    coze.state.slowMs = 3500;
    const sessions = Array.from({ length: 12 }, (_, i) =>
      t.http.request<Answer>('POST', '/upstream/coze/coze-slow/token', {
        auth: { bearer },
        headers: { 'x-user-id': `slow-${i}` },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // the mints are under way
    const during = await Promise.all(
      Array.from({ length: 5 }, () =>
        token(t, { grant_type: 'client_credentials' }, basic(broker)),
      ),
    );
    expect(during.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    const answers = await Promise.all(sessions);
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((answer) => answer.body.access_token)).size).toBe(12);
  }, 40_000);
});
