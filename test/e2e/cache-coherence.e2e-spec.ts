import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Credentials } from '../support/http-client.js';
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
import { createTestDatabase } from '../support/test-database.js';

/*
 * Instances cache clients, users and revoked token ids. A change made through one
 * instance — or straight in the database — must be honoured by the other within the stated
 * bound: as soon as PostgreSQL's notification arrives (here: well under the 3 s allowed), and
 * with caches off while the notification channel is down. (Verified signatures are cached
 * too, until the token's exp; nothing in the database can make a signature bad earlier.)
 */

const ISSUER = 'https://auth.example.test';
const ADMIN_SECRET = randomBytes(32).toString('base64url');
const PASSWORD = 'correct horse battery staple';
const BOUND_MS = 3000;

/** Repeats `probe` until it answers `expected` or BOUND_MS pass; returns the last answer. */
const within = <T>(probe: () => Promise<T>, expected: T): Promise<T> =>
  pollUntil(probe, (value) => value === expected, { timeoutMs: BOUND_MS, intervalMs: 50 });

describe('caches stay coherent across instances', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: Credentials;

  const status = async (t: TestApp, client: Registered) =>
    (await token(t, { grant_type: 'client_credentials' }, basic(client))).status;
  const introspect = async (t: TestApp, caller: Registered, accessToken: string) =>
    (
      await t.http.form<{ active: boolean }>(
        '/oauth/introspect',
        { token: accessToken },
        basic(caller),
      )
    ).body.active;

  beforeAll(async () => {
    const database = await createTestDatabase();
    const env = { ISSUER, ADMIN_CLIENT_SECRET: ADMIN_SECRET };
    [a, b] = await Promise.all([startTestApp({ database, env }), startTestApp({ database, env })]);
    admin = await adminAuth(a);
  }, 60_000);

  afterAll(async () => {
    await b?.close({ keepData: true });
    if (b) await rm(b.dataDir, { recursive: true, force: true });
    await a?.close();
  });

  it('a client disabled through A is refused by B, and works again once enabled', async () => {
    const client = await registerClient(a, admin, { grant_types: ['client_credentials'] });
    expect(await status(b, client)).toBe(200); // now cached at B
    expect(await status(b, client)).toBe(200);

    const disabled = await a.http.request('POST', `/admin/clients/${client.client_id}/disable`, {
      auth: admin,
    });
    expect(disabled.status).toBe(200);
    expect(await status(a, client)).toBe(401); // at once where it was changed
    expect(await within(() => status(b, client), 401)).toBe(401);

    await a.http.request('POST', `/admin/clients/${client.client_id}/enable`, { auth: admin });
    expect(await within(() => status(b, client), 200)).toBe(200);
  });

  it('a rotated secret: the old one stops working on B, the new one works', async () => {
    const client = await registerClient(a, admin, { grant_types: ['client_credentials'] });
    expect(await status(b, client)).toBe(200);
    const rotated = await a.http.request<{ client_secret: string }>(
      'POST',
      `/admin/clients/${client.client_id}/secret`,
      { auth: admin },
    );
    expect(rotated.status).toBe(200);
    expect(await within(() => status(b, client), 401)).toBe(401);
    expect(
      await status(b, { client_id: client.client_id, client_secret: rotated.body.client_secret }),
    ).toBe(200);
  });

  it('a change made straight in the database (an operator with psql) is honoured too', async () => {
    const client = await registerClient(a, admin, { grant_types: ['client_credentials'] });
    expect(await status(a, client)).toBe(200);
    expect(await status(b, client)).toBe(200);
    await a.db.query('UPDATE clients SET disabled = true WHERE client_id = $1', [client.client_id]);
    expect(await within(() => status(a, client), 401)).toBe(401);
    expect(await within(() => status(b, client), 401)).toBe(401);
    await a.db.query('DELETE FROM clients WHERE client_id = $1', [client.client_id]);
    expect(await status(b, client)).toBe(401);
  });

  it('a revoked access token and a disabled user read inactive on the other instance', async () => {
    const app = await registerClient(a, admin, {
      grant_types: ['password', 'client_credentials'],
      scope: 'read',
    });
    const user = await createUser(a, admin, { username: 'coherent', password: PASSWORD });

    const service = (await token(a, { grant_type: 'client_credentials' }, basic(app))).body
      .access_token!;
    expect(await introspect(b, app, service)).toBe(true); // cached at B: verified, not revoked
    const revoked = await a.http.form('/oauth/revoke', { token: service }, basic(app));
    expect(revoked.status).toBe(200);
    expect(await within(() => introspect(b, app, service), false)).toBe(false);

    const userToken = (
      await token(
        a,
        { grant_type: 'password', username: 'coherent', password: PASSWORD },
        basic(app),
      )
    ).body.access_token!;
    expect(await introspect(b, app, userToken)).toBe(true);
    await a.http.request('POST', `/admin/users/${user.id}/disable`, { auth: admin });
    expect(await within(() => introspect(b, app, userToken), false)).toBe(false);
  });

  it('with its notification channel cut, an instance stops trusting its cache', async () => {
    const client = await registerClient(a, admin, { grant_types: ['client_credentials'] });
    expect(await status(b, client)).toBe(200);
    // Cut every instance's LISTEN connection, then change the row before they reconnect.
    const cut = await a.db.query<{ cut: boolean }>(
      `SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity
        WHERE application_name = 'portcullis-change-feed' AND datname = current_database()`,
    );
    expect(cut.length).toBe(2);
    await a.db.query('UPDATE clients SET disabled = true WHERE client_id = $1', [client.client_id]);
    expect(await within(() => status(b, client), 401)).toBe(401);
    // Back to normal: the feed reconnects and caching resumes with fresh rows.
    await a.db.query('UPDATE clients SET disabled = false WHERE client_id = $1', [
      client.client_id,
    ]);
    expect(await within(() => status(b, client), 200)).toBe(200);
    const listening = await within(
      async () =>
        (
          await a.db.query(
            `SELECT 1 FROM pg_stat_activity
              WHERE application_name = 'portcullis-change-feed' AND datname = current_database()`,
          )
        ).length,
      2,
    );
    expect(listening).toBe(2);
  });

  it('refuses bad input without touching any cache: unknown and malformed clients', async () => {
    const unknown = await token(
      b,
      { grant_type: 'client_credentials' },
      { basic: ['no-such-client', 'x'] },
    );
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_client');
    const malformed = await b.http.request('POST', '/oauth/token', {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic !!!',
      },
      body: 'grant_type=client_credentials',
    });
    expect(malformed.status).toBe(401);
  });
});
