import pg from 'pg';
import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  claimsOf,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Revocation finds live access tokens through issued_access_tokens, which tokens/ owns: the
// audit trail is only a record. Every kind of revocation is tried here with the audit table
// emptied first, as an operator archiving it would leave it.
const PASSWORD = 'correct horse battery staple';

describe('revocation from the index of issued access tokens', () => {
  let t: TestApp;
  let admin: Credentials;
  let app: Registered;
  let noRefresh: Registered;
  let resourceServer: Registered;

  const login = async (client: Registered, username: string) => {
    const res = await token(
      t,
      { grant_type: 'password', username, password: PASSWORD, scope: 'read' },
      basic(client),
    );
    expect(res.status).toBe(200);
    return res.body;
  };
  const active = async (accessToken: string | undefined) =>
    (await t.http.form('/oauth/introspect', { token: accessToken! }, basic(resourceServer))).body
      .active;
  const emptyAudit = () => t.db.query('DELETE FROM audit_events');
  const indexed = (jti: string) =>
    t.db.query<{ client_id: string; user_id: string | null; family_id: string | null }>(
      'SELECT client_id, user_id, family_id FROM issued_access_tokens WHERE jti = $1',
      [jti],
    );
  const jtiOf = (accessToken: string | undefined) => claimsOf(accessToken!).jti as string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    const grants = ['password', 'refresh_token', 'client_credentials'];
    app = await registerClient(t, admin, { grant_types: grants, scope: 'read' });
    noRefresh = await registerClient(t, admin, { grant_types: ['password'], scope: 'read' });
    resourceServer = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'introspect',
    });
  });

  afterAll(() => t?.close());

  it('indexes every access token it issues: whose, with which grant, until when', async () => {
    const user = await createUser(t, admin, { username: 'ida', password: PASSWORD });
    const withFamily = await login(app, 'ida');
    const withoutFamily = await login(noRefresh, 'ida');
    const rotated = await token(
      t,
      { grant_type: 'refresh_token', refresh_token: withFamily.refresh_token! },
      basic(app),
    );
    const forClient = await token(t, { grant_type: 'client_credentials' }, basic(app));
    const [family] = await indexed(jtiOf(withFamily.access_token));
    expect(family).toEqual({
      client_id: app.client_id,
      user_id: user.id,
      family_id: expect.any(String),
    });
    expect(await indexed(jtiOf(rotated.body.access_token))).toEqual([family]);
    expect(await indexed(jtiOf(withoutFamily.access_token))).toEqual([
      { client_id: noRefresh.client_id, user_id: user.id, family_id: null },
    ]);
    expect(await indexed(jtiOf(forClient.body.access_token))).toEqual([
      { client_id: app.client_id, user_id: null, family_id: null },
    ]);
    const [expiry] = await t.db.query<{ exp: number }>(
      'SELECT extract(epoch FROM expires_at)::int AS exp FROM issued_access_tokens WHERE jti = $1',
      [jtiOf(forClient.body.access_token)],
    );
    expect(expiry.exp).toBe(claimsOf(forClient.body.access_token!).exp);
  });

  it('revoking a refresh token revokes the access tokens of its family', async () => {
    await createUser(t, admin, { username: 'rex', password: PASSWORD });
    const first = await login(app, 'rex');
    const other = await login(app, 'rex');
    const rotated = await token(
      t,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token! },
      basic(app),
    );
    await emptyAudit();
    const revoked = await t.http.form(
      '/oauth/revoke',
      { token: rotated.body.refresh_token! },
      basic(app),
    );
    expect(revoked.status).toBe(200);
    expect(await active(first.access_token)).toBe(false);
    expect(await active(rotated.body.access_token)).toBe(false);
    // Another grant of the same user and client is not touched.
    expect(await active(other.access_token)).toBe(true);
  });

  it('a reused refresh token revokes the access tokens of its family', async () => {
    await createUser(t, admin, { username: 'ray', password: PASSWORD });
    const first = await login(app, 'ray');
    const rotated = await token(
      t,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token! },
      basic(app),
    );
    await emptyAudit();
    const replay = await token(
      t,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token! },
      basic(app),
    );
    expect(replay.body.error).toBe('invalid_grant');
    expect(await active(rotated.body.access_token)).toBe(false);
    const [event] = await t.db.query<{ type: string }>('SELECT type FROM audit_events');
    expect(event).toEqual({ type: 'refresh.reuse_detected' });
  });

  it('a disabled user loses every access token, with a grant or without, for good', async () => {
    const user = await createUser(t, admin, { username: 'uma', password: PASSWORD });
    const withFamily = await login(app, 'uma');
    const withoutFamily = await login(noRefresh, 'uma');
    await emptyAudit();
    const disabled = await t.http.json('POST', `/admin/users/${user.id}/disable`, {}, admin);
    expect(disabled.status).toBe(200);
    const enabled = await t.http.json('POST', `/admin/users/${user.id}/enable`, {}, admin);
    expect(enabled.status).toBe(200);
    expect(await active(withFamily.access_token)).toBe(false);
    expect(await active(withoutFamily.access_token)).toBe(false);
    const fresh = await login(noRefresh, 'uma');
    expect(await active(fresh.access_token)).toBe(true);
    const listed = await t.db.query<{ jti: string }>(
      'SELECT jti FROM revoked_access_tokens WHERE jti = ANY($1) ORDER BY jti',
      [[jtiOf(withFamily.access_token), jtiOf(withoutFamily.access_token)]],
    );
    expect(listed).toHaveLength(2);
  });

  it('a disabled client loses its own tokens and its users’ tokens, for good', async () => {
    const client = await registerClient(t, admin, {
      grant_types: ['password', 'client_credentials'],
      scope: 'read',
    });
    await createUser(t, admin, { username: 'cleo', password: PASSWORD });
    const own = await token(t, { grant_type: 'client_credentials' }, basic(client));
    const users = await login(client, 'cleo');
    const bystander = await login(noRefresh, 'cleo');
    await emptyAudit();
    const path = `/admin/clients/${client.client_id}`;
    expect((await t.http.json('POST', `${path}/disable`, {}, admin)).status).toBe(200);
    expect((await t.http.json('POST', `${path}/enable`, {}, admin)).status).toBe(200);
    expect(await active(own.body.access_token)).toBe(false);
    expect(await active(users.access_token)).toBe(false);
    expect(await active(bystander.access_token)).toBe(true);
    const again = await token(t, { grant_type: 'client_credentials' }, basic(client));
    expect(await active(again.body.access_token)).toBe(true);
  });

  it('a withdrawn consent revokes the access tokens the user gave that client', async () => {
    await createUser(t, admin, { username: 'cora', password: PASSWORD });
    const account = await registerClient(t, admin, {
      grant_types: ['password'],
      scope: 'read account',
    });
    const session = await token(
      t,
      { grant_type: 'password', username: 'cora', password: PASSWORD, scope: 'account' },
      basic(account),
    );
    const held = await login(app, 'cora');
    const heldWithout = await login(noRefresh, 'cora');
    const [user] = await t.db.query<{ id: string }>(`SELECT id FROM users WHERE username = 'cora'`);
    await t.db.query(`INSERT INTO consents (user_id, client_id, scope) VALUES ($1, $2, 'read')`, [
      user.id,
      noRefresh.client_id,
    ]);
    await emptyAudit();
    const withdrawn = await t.http.request(
      'DELETE',
      `/account/api/consents/${noRefresh.client_id}`,
      {
        auth: { bearer: session.body.access_token! },
      },
    );
    expect(withdrawn.status).toBe(204);
    expect(await active(heldWithout.access_token)).toBe(false);
    expect(await active(held.access_token)).toBe(true);
  });
});

describe('sweeping the index of issued access tokens', () => {
  it('deletes rows of expired tokens at boot, and keeps the live ones', async () => {
    const first = await startTestApp();
    await first.close({ keepData: true });
    const db = new pg.Client({ connectionString: first.database.url });
    await db.connect();
    let second: TestApp | undefined;
    try {
      await db.query(
        `INSERT INTO issued_access_tokens (client_id, jti, expires_at)
         VALUES ('c', 'old', now() - interval '1 minute'), ('c', 'live', now() + interval '1 hour')`,
      );
      second = await startTestApp({
        database: first.database,
        dataDir: first.dataDir,
        port: first.port,
      });
      const { rows } = await db.query<{ jti: string }>('SELECT jti FROM issued_access_tokens');
      expect(rows).toEqual([{ jti: 'live' }]);
    } finally {
      await db.end();
      await (second ?? first).close();
    }
  });
});
