import { randomUUID } from 'node:crypto';
import type { HttpResponse } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { authorizationCode, CALLBACK } from './support/code-flow.js';
import { compactJws, serverSigningKeys } from './support/forge.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

const PASSWORD = 'correct horse battery staple';

/** Every route of src/admin/*.controller.ts, with a body an admin's call would succeed with. */
const ROUTES: [string, string, unknown][] = [
  ['POST', '/admin/clients', { grant_types: ['client_credentials'], scope: 'admin' }],
  ['GET', '/admin/clients', undefined],
  ['GET', '/admin/clients/:client', undefined],
  ['PATCH', '/admin/clients/:client', { scope: 'admin' }],
  ['POST', '/admin/clients/:client/disable', undefined],
  ['POST', '/admin/clients/:client/enable', undefined],
  ['POST', '/admin/clients/:client/secret', undefined],
  ['DELETE', '/admin/clients/:client', undefined],
  ['POST', '/admin/users', { username: 'intruder', password: PASSWORD }],
  ['GET', '/admin/users', undefined],
  ['GET', '/admin/users/:user', undefined],
  ['PATCH', '/admin/users/:user', { password: 'owned by the attacker' }],
  ['POST', '/admin/users/:user/disable', undefined],
  ['POST', '/admin/users/:user/enable', undefined],
  ['DELETE', '/admin/users/:user', undefined],
  ['GET', '/admin/users/:user/upstream-identities', undefined],
  [
    'POST',
    '/admin/users/:user/upstream-identities',
    { connection: 'feishu-main', external_id: 'ou_attacker' },
  ],
  ['DELETE', '/admin/users/:user/upstream-identities/feishu-main/ou_victim', undefined],
  ['GET', '/admin/keys', undefined],
  ['POST', '/admin/keys/rotate', undefined],
  ['GET', '/admin/audit-events', undefined],
  [
    'POST',
    '/admin/upstreams',
    { name: 'evil', provider: 'feishu', app_id: 'cli_evil', app_secret: 'evil-secret-value' },
  ],
  ['GET', '/admin/upstreams', undefined],
  ['GET', '/admin/upstreams/feishu-main', undefined],
  ['PATCH', '/admin/upstreams/feishu-main', { app_secret: 'attacker-secret-value' }],
  ['DELETE', '/admin/upstreams/feishu-main', undefined],
];

/** The tables the admin API writes, as text: a refused call must leave them as they were. */
const WRITTEN_TABLES = [
  'clients',
  'users',
  'signing_keys',
  'upstream_connections',
  'upstream_identities',
];

describe('the admin API refuses every token that is not an admin client’s own', () => {
  let t: SecurityApp;
  let adminToken: string;
  let victimClient: Registered;
  let victimUser: { id: string };
  /** Tokens that must never pass, by what they are; each makes its token once. */
  const refused = new Map<string, { status: 401 | 403; header?: string }>();

  const call = (method: string, path: string, body: unknown, authorization?: string) => {
    const resolved = path
      .replace(':client', victimClient.client_id)
      .replace(':user', victimUser.id);
    const headers: Record<string, string> = authorization ? { authorization } : {};
    if (body === undefined) return t.http.request(method, resolved, { headers });
    return t.http.request(method, resolved, {
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  };
  const snapshot = async () => {
    const tables: Record<string, unknown> = {};
    for (const table of WRITTEN_TABLES) {
      tables[table] = await t.db.query(`SELECT t::text AS row FROM ${table} t ORDER BY 1`);
    }
    return tables;
  };
  const adminEventsSince = async (id: string) =>
    t.db.query<{ type: string }>(
      `SELECT type FROM audit_events WHERE id > $1
          AND split_part(type, '.', 1) IN ('client', 'user', 'key', 'upstream', 'identity')`,
      [id],
    );
  const lastEventId = async () =>
    (
      await t.db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM audit_events')
    )[0].id;

  const expectRefusal = (res: HttpResponse, status: 401 | 403) => {
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({
      error: status === 401 ? 'invalid_token' : 'insufficient_scope',
      error_description: expect.any(String) as string,
    });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="portcullis", error="/);
  };

  beforeAll(async () => {
    t = await startSecurityApp();
    const admin = await adminAuth(t);
    adminToken = (admin as { bearer: string }).bearer;
    victimClient = await registerClient(t, admin, { grant_types: ['client_credentials'] });
    victimUser = await createUser(t, admin, { username: 'victim', password: PASSWORD });
    const upstream = await t.http.json(
      'POST',
      '/admin/upstreams',
      {
        name: 'feishu-main',
        provider: 'feishu',
        app_id: 'cli_main',
        app_secret: 'main-app-secret',
      },
      admin,
    );
    expect(upstream.status).toBe(201);
    const linked = await t.http.json(
      'POST',
      `/admin/users/${victimUser.id}/upstream-identities`,
      { connection: 'feishu-main', external_id: 'ou_victim' },
      admin,
    );
    expect(linked.status).toBe(201);

    // A client that may ask for admin but also serves users: its users' tokens carry the
    // scope admin, and a user named "admin" signs in through it.
    const userFacing = await registerClient(t, admin, {
      grant_types: ['password', 'authorization_code'],
      redirect_uris: [CALLBACK],
      scope: 'openid admin',
    });
    await createUser(t, admin, { username: 'admin', password: PASSWORD });
    const passwordGrant = await token(
      t,
      { grant_type: 'password', username: 'admin', password: PASSWORD, scope: 'admin' },
      basic(userFacing),
    );
    expect(passwordGrant.body.scope).toBe('admin');
    const { code, verifier } = await authorizationCode(
      t,
      userFacing,
      { username: 'admin', password: PASSWORD },
      'openid admin',
    );
    const codeGrant = await token(
      t,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
      },
      basic(userFacing),
    );
    expect(codeGrant.body.scope).toBe('openid admin');

    // A client without admin asks for it: refused, and what it can get has no admin.
    const plain = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'read',
    });
    const escalation = await token(
      t,
      { grant_type: 'client_credentials', scope: 'admin' },
      basic(plain),
    );
    expect(escalation.status).toBe(400);
    expect(escalation.body).toMatchObject({ error: 'invalid_scope' });
    expect(escalation.body.access_token).toBeUndefined();
    const plainToken = await t.http.clientToken(plain.client_id, plain.client_secret!);

    // A second administrator client, then disabled: its token must die with it.
    const formerAdmin = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'admin',
    });
    const formerToken = await t.http.clientToken(
      formerAdmin.client_id,
      formerAdmin.client_secret!,
      'admin',
    );
    expect((await t.http.get('/admin/clients', { bearer: formerToken })).status).toBe(200);
    const disabled = await t.http.request(
      'POST',
      `/admin/clients/${formerAdmin.client_id}/disable`,
      { auth: admin },
    );
    expect(disabled.status).toBe(200);

    // An admin token revoked by its own client (RFC 7009).
    const revokedToken = await t.http.clientToken(t.admin.id, t.admin.secret, 'admin');
    expect((await t.http.get('/admin/clients', { bearer: revokedToken })).status).toBe(200);
    const revocation = await t.http.form(
      '/oauth/revoke',
      { token: revokedToken },
      { basic: [t.admin.id, t.admin.secret] },
    );
    expect(revocation.status).toBe(200);

    // The admin client's own token, but expired (signed with the server's key).
    const key = (await serverSigningKeys(t)).find((k) => k.alg === 'ES256')!;
    const issued = Math.floor(Date.now() / 1000) - 2000;
    const expiredToken = compactJws(
      { alg: key.alg, kid: key.kid, typ: 'at+jwt' },
      {
        iss: t.baseUrl,
        aud: t.baseUrl,
        sub: t.admin.id,
        client_id: t.admin.id,
        scope: 'admin',
        jti: randomUUID(),
        iat: issued,
        exp: issued + 900,
      },
      key.privateKey,
    );
    t.ledger.remember(expiredToken);

    refused.set('no token', { status: 401 });
    refused.set('the admin client’s credentials as Basic instead of Bearer', {
      status: 401,
      header: `Basic ${Buffer.from(`${t.admin.id}:${t.admin.secret}`).toString('base64')}`,
    });
    refused.set('the admin token under the Basic scheme', {
      status: 401,
      header: `Basic ${adminToken}`,
    });
    refused.set('a token without the scope admin', { status: 403, header: `Bearer ${plainToken}` });
    refused.set('a user token from the password grant, for a user named admin, with scope admin', {
      status: 403,
      header: `Bearer ${passwordGrant.body.access_token!}`,
    });
    refused.set('a user token from the authorization code flow, with scope admin', {
      status: 403,
      header: `Bearer ${codeGrant.body.access_token!}`,
    });
    refused.set('an ID token of the admin-named user', {
      status: 401,
      header: `Bearer ${(codeGrant.body as { id_token?: string }).id_token!}`,
    });
    refused.set('an expired admin token', { status: 401, header: `Bearer ${expiredToken}` });
    refused.set('the token of a disabled admin client', {
      status: 401,
      header: `Bearer ${formerToken}`,
    });
    refused.set('a revoked admin token', { status: 401, header: `Bearer ${revokedToken}` });
  }, 60_000);
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  it('control: the admin client’s own token passes', async () => {
    expect((await t.http.get('/admin/clients', { bearer: adminToken })).status).toBe(200);
  });

  it.each(ROUTES)(
    '%s %s answers 401/403 to every non-admin token and changes nothing',
    async (method, path, body) => {
      const before = await snapshot();
      const since = await lastEventId();
      for (const [name, { status, header }] of refused) {
        const res = await call(method, path, body, header);
        try {
          expectRefusal(res, status);
        } catch (error) {
          throw new Error(`${name}: ${res.status} ${res.text}`, { cause: error });
        }
      }
      expect(await snapshot()).toEqual(before);
      expect(await adminEventsSince(since)).toEqual([]);
    },
  );
});
