import { generateKeyPairSync } from 'node:crypto';
import type { Credentials } from '../support/http-client.js';
import { startCozeSimulator } from '../support/coze-simulator.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { pollUntil } from '../support/poll.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const APP_ID = '1170000000009';
const KID = 'coze-metrics-key';
const PASSWORD = 'metrics-password-Lk2vW9';

describe('/metrics: the figures operators alert on', () => {
  let t: TestApp;
  let admin: Credentials;
  let app: Registered;
  let coze: Awaited<ReturnType<typeof startCozeSimulator>>;

  /** The value of the series `name` whose labels include `labels` (0 when absent). */
  const sample = async (name: string, labels: Record<string, string> = {}) => {
    const text = (await t.http.get('/metrics')).text;
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    const line = text.split('\n').find((candidate) => {
      const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(candidate);
      if (!match || match[1] !== name) return false;
      const present = (match[2] ?? '').split(',');
      return wanted.every((pair) => present.includes(pair)) && present.length >= wanted.length;
    });
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  /** How much `act` moved the series. */
  const change = async (
    name: string,
    labels: Record<string, string>,
    act: () => Promise<unknown>,
  ) => {
    const before = await sample(name, labels);
    await act();
    return (await sample(name, labels)) - before;
  };

  beforeAll(async () => {
    coze = await startCozeSimulator({ appId: APP_ID, kid: KID, publicKey });
    t = await startTestApp({
      env: {
        CLIENT_AUTH_MAX_FAILURES: '3',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
        UPSTREAM_TIMEOUT_MS: '500',
      },
    });
    admin = await adminAuth(t);
    app = await registerClient(t, admin, {
      grant_types: ['client_credentials', 'password', 'refresh_token'],
      scope: 'read upstream:coze',
    });
  });
  afterAll(async () => {
    await t.close();
    await coze.close();
  });

  it('counts tokens issued by grant type, and only those issued', async () => {
    const name = 'portcullis_tokens_issued_total';
    await createUser(t, admin, { username: 'metered', password: PASSWORD });
    expect(
      await change(name, { grant_type: 'client_credentials' }, async () => {
        expect((await token(t, { grant_type: 'client_credentials' }, basic(app))).status).toBe(200);
        expect((await token(t, { grant_type: 'client_credentials' }, basic(app))).status).toBe(200);
        // Refused: not issued.
        const refused = await token(
          t,
          { grant_type: 'client_credentials', scope: 'nope' },
          basic(app),
        );
        expect(refused.status).toBe(400);
      }),
    ).toBe(2);
    let refreshToken = '';
    expect(
      await change(name, { grant_type: 'password' }, async () => {
        const res = await token(
          t,
          { grant_type: 'password', username: 'metered', password: PASSWORD },
          basic(app),
        );
        expect(res.status).toBe(200);
        refreshToken = res.body.refresh_token!;
      }),
    ).toBe(1);
    expect(
      await change(name, { grant_type: 'refresh_token' }, async () => {
        const res = await token(
          t,
          { grant_type: 'refresh_token', refresh_token: refreshToken },
          basic(app),
        );
        expect(res.status).toBe(200);
      }),
    ).toBe(1);
  });

  it('counts refusals by route pattern and RFC error code', async () => {
    const name = 'portcullis_refusals_total';
    expect(
      await change(name, { route: '/oauth/token', error: 'unsupported_grant_type' }, async () => {
        expect((await token(t, { grant_type: 'magic' }, basic(app))).body.error).toBe(
          'unsupported_grant_type',
        );
      }),
    ).toBe(1);
    let code = '';
    expect(
      await change(
        name,
        { route: '/admin/clients/:clientId', error: 'invalid_token' },
        async () => {
          const res = await t.http.get('/admin/clients/some-id', { bearer: 'not-a-token' });
          expect(res.status).toBe(401);
          code = String(res.body.error);
        },
      ),
    ).toBe(1);
    expect(code).toBe('invalid_token');
    // Answers that are no refusal are not counted.
    const before = await sample(name, { route: '/health' });
    await t.http.get('/health');
    expect(await sample(name, { route: '/health' })).toBe(before);
  });

  it('counts refresh-token reuse detections', async () => {
    const issued = await token(
      t,
      { grant_type: 'password', username: 'metered', password: PASSWORD },
      basic(app),
    );
    const refresh = () =>
      token(
        t,
        { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token! },
        basic(app),
      );
    expect((await refresh()).status).toBe(200);
    expect(
      await change('portcullis_refresh_reuse_detected_total', {}, async () => {
        expect((await refresh()).body.error).toBe('invalid_grant');
      }),
    ).toBe(1);
  });

  it('counts lockouts of accounts and of clients', async () => {
    await createUser(t, admin, { username: 'locked-out', password: PASSWORD });
    expect(
      await change('portcullis_lockouts_total', { type: 'login.locked' }, async () => {
        for (let i = 0; i < 3; i++) {
          const res = await token(
            t,
            { grant_type: 'password', username: 'locked-out', password: 'wrong-password' },
            basic(app),
          );
          expect(res.status).toBe(400);
        }
      }),
    ).toBe(1);
    const victim = await registerClient(t, admin, { grant_types: ['client_credentials'] });
    expect(
      await change('portcullis_lockouts_total', { type: 'client.locked' }, async () => {
        for (let i = 0; i < 3; i++) {
          const res = await token(
            t,
            { grant_type: 'client_credentials' },
            { basic: [victim.client_id, 'wrong-secret'] },
          );
          expect(res.status).toBe(401);
        }
      }),
    ).toBe(1);
  });

  it('measures upstream calls by provider, and counts their failures', async () => {
    const created = await t.http.json(
      'POST',
      '/admin/upstreams',
      {
        name: 'coze-metered',
        provider: 'coze',
        client_id: APP_ID,
        private_key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        kid: KID,
        token_endpoint: coze.tokenEndpoint,
        token_duration: 600,
      },
      admin,
    );
    expect(created.status).toBe(201);
    const caller = async () => {
      const bearer = (
        await token(t, { grant_type: 'client_credentials', scope: 'upstream:coze' }, basic(app))
      ).body.access_token!;
      return t.http.request('POST', '/upstream/coze/coze-metered/token', { auth: { bearer } });
    };
    const calls = 'portcullis_upstream_request_duration_seconds_count';
    const failures = 'portcullis_upstream_failures_total';
    const coze_ = { provider: 'coze' };
    const before = { calls: await sample(calls, coze_), failures: await sample(failures, coze_) };
    expect((await caller()).status).toBe(200);
    expect(await sample(calls, coze_)).toBe(before.calls + 1);
    expect(await sample(failures, coze_)).toBe(before.failures);

    coze.state.behaviour = 'fail-500';
    // A session with no cached token, so that the broker calls Coze.
    const other = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'upstream:coze',
    });
    const bearer = (await token(t, { grant_type: 'client_credentials' }, basic(other))).body
      .access_token!;
    const failed = await t.http.request('POST', '/upstream/coze/coze-metered/token', {
      auth: { bearer },
    });
    coze.state.behaviour = 'ok';
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await sample(calls, coze_)).toBe(before.calls + 2);
    expect(await sample(failures, coze_)).toBe(before.failures + 1);
    expect(await sample('portcullis_upstream_request_duration_seconds_sum', coze_)).toBeGreaterThan(
      0,
    );
  });

  it('shows the database pool in use', async () => {
    await token(t, { grant_type: 'client_credentials' }, basic(app));
    expect(await sample('portcullis_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    const idle = await sample('portcullis_db_pool_connections', { state: 'idle' });
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThanOrEqual(
      await sample('portcullis_db_pool_connections', { state: 'total' }),
    );
    const text = (await t.http.get('/metrics')).text;
    expect(text).toMatch(/^portcullis_db_pool_waiting_requests 0$/m);
  });

  it('shows the change feed live, and counts its reconnections', async () => {
    expect(await sample('portcullis_change_feed_live')).toBe(1);
    const reconnects = await sample('portcullis_change_feed_reconnects_total');
    await t.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'portcullis-change-feed' AND datname = current_database()`,
    );
    const back = await pollUntil(
      () => sample('portcullis_change_feed_reconnects_total'),
      (count) => count === reconnects + 1,
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(back).toBe(reconnects + 1);
    expect(await sample('portcullis_change_feed_live')).toBe(1);
  });
});
