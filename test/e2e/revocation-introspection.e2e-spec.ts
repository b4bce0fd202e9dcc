import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Introspection = Record<string, unknown> & { active: boolean };

describe('revocation (RFC 7009) and introspection (RFC 7662)', () => {
  let t: TestApp;
  let admin: Credentials;
  let app: Registered;
  let other: Registered;
  let resourceServer: Registered;
  let spa: Registered;
  const password = 'correct horse battery staple';

  const introspect = (value: string, client: Registered = app, hint?: string) =>
    t.http.form<Introspection>(
      '/oauth/introspect',
      { token: value, ...(hint ? { token_type_hint: hint } : {}) },
      basic(client),
    );
  const revoke = (value: string, client: Registered = app, hint?: string) =>
    t.http.form(
      '/oauth/revoke',
      { token: value, ...(hint ? { token_type_hint: hint } : {}) },
      basic(client),
    );
  const login = async (username = 'uma') => {
    const res = await token(t, { grant_type: 'password', username, password }, basic(app));
    expect(res.status).toBe(200);
    return res.body as { access_token: string; refresh_token: string };
  };

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    app = await registerClient(t, admin, {
      grant_types: ['password', 'refresh_token', 'client_credentials'],
      scope: 'read write',
    });
    other = await registerClient(t, admin, { grant_types: ['client_credentials'], scope: 'read' });
    resourceServer = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'introspect',
    });
    spa = await registerClient(t, admin, {
      token_endpoint_auth_method: 'none',
      redirect_uris: ['https://spa.example.com/cb'],
    });
    for (const name of ['uma', 'vic', 'wes'])
      await createUser(t, admin, { username: name, password });
  });
  afterAll(() => t.close());

  it('introspects an access token with the RFC 7662 fields', async () => {
    const { access_token } = await login();
    const res = await introspect(access_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({
      active: true,
      scope: 'read write',
      client_id: app.client_id,
      username: 'uma',
      token_type: 'Bearer',
      iss: t.baseUrl,
      aud: t.baseUrl,
    });
    for (const field of ['sub', 'jti']) expect(typeof res.body[field]).toBe('string');
    for (const field of ['exp', 'iat', 'nbf']) expect(typeof res.body[field]).toBe('number');
  });

  it('introspects a refresh token', async () => {
    const { refresh_token } = await login();
    const res = await introspect(refresh_token, app, 'refresh_token');
    expect(res.body).toMatchObject({
      active: true,
      client_id: app.client_id,
      username: 'uma',
      token_type: 'refresh_token',
      scope: 'read write',
    });
  });

  it('revokes an access token: 200, then inactive everywhere, until it expires', async () => {
    const { access_token } = await login();
    const res = await revoke(access_token, app, 'access_token');
    expect(res.status).toBe(200);
    expect((await introspect(access_token)).body).toEqual({ active: false });
    expect((await introspect(access_token, resourceServer)).body).toEqual({ active: false });
    const rows = await t.db.query<{ live: boolean }>(
      `SELECT expires_at > now() AS live FROM revoked_access_tokens`,
    );
    expect(rows).toEqual([{ live: true }]);
  });

  it('revokes a refresh token with its whole family, even with a wrong hint', async () => {
    const first = await login('vic');
    const rotated = await token(
      t,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token },
      basic(app),
    );
    expect(rotated.status).toBe(200);
    expect((await revoke(rotated.body.refresh_token!, app, 'access_token')).status).toBe(200);
    const refused = await token(
      t,
      { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token! },
      basic(app),
    );
    expect(refused.body.error).toBe('invalid_grant');
    expect((await introspect(rotated.body.refresh_token!)).body).toEqual({ active: false });
    const events = await t.db.query<{ details: { token_type: string } }>(
      `SELECT details FROM audit_events WHERE type = 'token.revoked'`,
    );
    expect(events.map((e) => e.details.token_type)).toContain('refresh_token');
  });

  it('answers 200 and changes nothing for unknown, foreign or garbage tokens', async () => {
    const { access_token, refresh_token } = await login('wes');
    const before = {
      revoked: await t.db.query('SELECT count(*)::int AS n FROM revoked_access_tokens'),
      families: await t.db.query(
        'SELECT count(*)::int AS n FROM refresh_token_families WHERE revoked_at IS NOT NULL',
      ),
    };
    for (const value of ['garbage', 'a.b.c', access_token, refresh_token]) {
      expect((await revoke(value, other)).status).toBe(200);
    }
    expect(await t.db.query('SELECT count(*)::int AS n FROM revoked_access_tokens')).toEqual(
      before.revoked,
    );
    expect(
      await t.db.query(
        'SELECT count(*)::int AS n FROM refresh_token_families WHERE revoked_at IS NOT NULL',
      ),
    ).toEqual(before.families);
    expect((await introspect(access_token)).body.active).toBe(true);
    expect((await introspect(refresh_token)).body.active).toBe(true);
  });

  it('shows a token only to its client, a client in its audience, or an introspect-scoped resource server', async () => {
    const { access_token } = await login();
    expect((await introspect(access_token, other)).body).toEqual({ active: false });
    expect((await introspect(access_token, resourceServer)).body).toMatchObject({
      active: true,
      client_id: app.client_id,
    });
  });

  it('reports tokens of a disabled client or user as inactive', async () => {
    const cc = await token(t, { grant_type: 'client_credentials' }, basic(other));
    await t.http.request('POST', `/admin/clients/${other.client_id}/disable`, { auth: admin });
    expect((await introspect(cc.body.access_token!, resourceServer)).body).toEqual({
      active: false,
    });
    // Enabled again, it gets new tokens; what it held when disabled stays dead.
    await t.http.request('POST', `/admin/clients/${other.client_id}/enable`, { auth: admin });
    expect((await introspect(cc.body.access_token!, resourceServer)).body.active).toBe(false);
    const fresh = await token(t, { grant_type: 'client_credentials' }, basic(other));
    expect((await introspect(fresh.body.access_token!, resourceServer)).body.active).toBe(true);

    const user = await createUser(t, admin, { username: 'xia', password });
    const { access_token, refresh_token } = await login('xia');
    await t.http.request('POST', `/admin/users/${user.id}/disable`, { auth: admin });
    expect((await introspect(access_token)).body).toEqual({ active: false });
    expect((await introspect(refresh_token)).body).toEqual({ active: false });
  });

  it('reports expired and garbage tokens as inactive', async () => {
    for (const value of ['garbage', 'x'.repeat(10000), 'eyJhbGciOiJub25lIn0.e30.']) {
      expect((await introspect(value)).body).toEqual({ active: false });
    }
  });

  it('requires client authentication; public clients may revoke but not introspect', async () => {
    const { access_token } = await login();
    const anonymous = await t.http.form('/oauth/introspect', { token: access_token });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await t.http.form('/oauth/revoke', { token: access_token })).status).toBe(401);
    expect(
      (await t.http.form('/oauth/introspect', { token: access_token, client_id: spa.client_id }))
        .status,
    ).toBe(401);
    expect(
      (await t.http.form('/oauth/revoke', { token: 'whatever', client_id: spa.client_id })).status,
    ).toBe(200);
    expect((await introspect(access_token)).body.active).toBe(true);
  });

  it('requires the token parameter, in a form body', async () => {
    expect((await t.http.form('/oauth/revoke', {}, basic(app))).body.error).toBe('invalid_request');
    expect((await t.http.form('/oauth/introspect', {}, basic(app))).body.error).toBe(
      'invalid_request',
    );
    expect(
      (await t.http.json('POST', '/oauth/introspect', { token: 'x' }, basic(app))).status,
    ).toBe(400);
  });
});
