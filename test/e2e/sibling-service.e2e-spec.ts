import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { Credentials } from '../support/http-client.js';
import { HttpClient } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { pollUntil } from '../support/poll.js';
import { activeSigningKey } from '../support/server-keys.js';
import { startSibling, type ServerProcess } from '../support/server-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('a sibling service guarded by the resource-server library', () => {
  let t: TestApp;
  let admin: Credentials;
  let sibling: ServerProcess;
  let revocationAware: ServerProcess;
  let api: HttpClient;
  let reader: Registered;
  let writer: Registered;

  const clientToken = async (client: Registered) =>
    (await token(t, { grant_type: 'client_credentials' }, basic(client))).body.access_token!;
  const forge = async (
    claims: JWTPayload,
    header: Record<string, unknown> = {},
    expiresIn = 60,
  ) => {
    const { kid, alg, privateKey } = await activeSigningKey(t);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: t.baseUrl,
      aud: t.baseUrl,
      sub: reader.client_id,
      client_id: reader.client_id,
      scope: 'notes:read',
      jti: `forged-${now}-${Math.random()}`,
      iat: now,
      exp: now + expiresIn,
      ...claims,
    })
      .setProtectedHeader({ alg, kid, typ: 'at+jwt', ...header })
      .sign(privateKey);
  };

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    reader = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'notes:read',
    });
    writer = await registerClient(t, admin, {
      grant_types: ['client_credentials', 'password'],
      scope: 'notes:read notes:write',
    });
    const introspector = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'introspect',
    });
    await createUser(t, admin, { username: 'ivy', password: 'correct horse battery staple' });
    // The sibling finds the JWKS through the issuer's metadata (discovery).
    [sibling, revocationAware] = await Promise.all([
      startSibling({ ISSUER: t.baseUrl }),
      startSibling({
        ISSUER: t.baseUrl,
        INTROSPECTION_CLIENT_ID: introspector.client_id,
        INTROSPECTION_CLIENT_SECRET: introspector.client_secret!,
      }),
    ]);
    api = new HttpClient(sibling.baseUrl);
  }, 60_000);
  afterAll(async () => {
    await sibling?.stop();
    await revocationAware?.stop();
    await t?.close();
  });

  it('serves the public route without a token', async () => {
    expect((await api.get('/public')).body).toEqual({ ok: true });
  });

  it('answers 401 with a Bearer challenge when there is no token', async () => {
    const res = await api.get('/notes');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="portcullis", error="invalid_token"/,
    );
    expect(res.body.error).toBe('invalid_token');
  });

  const bad: [string, () => Promise<string> | string][] = [
    ['garbage', () => 'garbage'],
    ['an expired token', () => forge({}, {}, -120)],
    ['a token from another issuer', () => forge({ iss: 'https://evil.example.com' })],
    ['a token for another audience', () => forge({ aud: 'https://elsewhere.example.com' })],
    [
      'an unsigned token (alg none)',
      () =>
        `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ iss: t.baseUrl, aud: t.baseUrl, scope: 'notes:read', exp: Math.floor(Date.now() / 1000) + 60 })}.`,
    ],
    [
      'an HS256 token keyed with the public key',
      async () => {
        const { kid } = await activeSigningKey(t);
        const jwks = await t.http.get<{ keys: { kid: string }[] }>('/.well-known/jwks.json');
        const publicJwk = jwks.body.keys.find((key) => key.kid === kid);
        const input = `${b64({ alg: 'HS256', kid, typ: 'at+jwt' })}.${b64({ iss: t.baseUrl, aud: t.baseUrl, scope: 'notes:read', exp: Math.floor(Date.now() / 1000) + 60 })}`;
        return `${input}.${createHmac('sha256', JSON.stringify(publicJwk)).update(input).digest('base64url')}`;
      },
    ],
    [
      'a token signed by someone else under the server kid',
      async () => {
        const { kid } = await activeSigningKey(t);
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const now = Math.floor(Date.now() / 1000);
        return new SignJWT({
          iss: t.baseUrl,
          aud: t.baseUrl,
          scope: 'notes:read',
          exp: now + 60,
          iat: now,
        })
          .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
          .sign(privateKey);
      },
    ],
  ];
  it.each(bad)('refuses %s with 401', async (_name, make) => {
    const res = await api.get('/notes', { bearer: await make() });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 403 with scope= when a scope is missing, 200 with the right one', async () => {
    const readToken = await clientToken(reader);
    const forbidden = await api.json('POST', '/notes', { text: 'hi' }, { bearer: readToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(forbidden.headers.get('www-authenticate')).toContain('scope="notes:write"');
    expect((await api.get('/notes', { bearer: readToken })).status).toBe(200);

    const writeToken = await clientToken(writer);
    const created = await api.json('POST', '/notes', { text: 'hi' }, { bearer: writeToken });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ text: 'hi', author: writer.client_id });
  });

  it('gives the principal to the route', async () => {
    const res = await token(
      t,
      {
        grant_type: 'password',
        username: 'ivy',
        password: 'correct horse battery staple',
        scope: 'notes:read',
      },
      basic(writer),
    );
    const me = await api.get('/me', { bearer: res.body.access_token! });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      clientId: writer.client_id,
      scopes: ['notes:read'],
      username: 'ivy',
    });
  });

  it('follows a key rotation without a restart; older tokens keep working until they expire', async () => {
    const before = await clientToken(reader);
    expect((await api.get('/notes', { bearer: before })).status).toBe(200);
    await t.http.request('POST', '/admin/keys/rotate', { auth: admin });
    const after = await clientToken(reader);
    // The sibling refetches the JWKS for the unknown kid (at most once per 2 s by default).
    const status = await pollUntil(
      async () => (await api.get('/notes', { bearer: after })).status,
      (answer) => answer === 200,
      { timeoutMs: 5_000, intervalMs: 500 },
    );
    expect(status).toBe(200);
    expect((await api.get('/notes', { bearer: before })).status).toBe(200);
  }, 30_000);

  it('in revocation-aware mode, refuses a revoked token within the cache time', async () => {
    const guarded = new HttpClient(revocationAware.baseUrl);
    const value = await clientToken(reader);
    expect((await guarded.get('/notes', { bearer: value })).status).toBe(200);
    await t.http.form('/oauth/revoke', { token: value }, basic(reader));
    expect((await api.get('/notes', { bearer: value })).status).toBe(200); // the plain sibling cannot know
    await new Promise((resolve) => setTimeout(resolve, 2200)); // cacheSeconds: 2
    const refused = await guarded.get('/notes', { bearer: value });
    expect(refused.status).toBe(401);
    expect(refused.body.error_description).toContain('revoked');
  }, 30_000);

  // Last: it stops the authorization server.
  it('fails closed with 503 and a log line when introspection is unreachable', async () => {
    const guarded = new HttpClient(revocationAware.baseUrl);
    const value = await clientToken(reader); // verified locally; never introspected yet
    await t.server.stop();
    const res = await guarded.get('/notes', { bearer: value });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('temporarily_unavailable');
    expect(revocationAware.stdout() + revocationAware.stderr()).toContain(
      'token introspection failed',
    );
  });
});
