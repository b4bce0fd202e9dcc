import { generateKeyPairSync, createHmac } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { HttpResponse } from '../support/http-client.js';
import { activeSigningKey } from '../support/server-keys.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Every admin route, with a body that would succeed for an admin. */
// Each row has three cells: jest passes a `done` callback when a row is shorter than the test's arity.
const ROUTES: [string, string, unknown][] = [
  ['POST', '/admin/clients', { grant_types: ['client_credentials'] }],
  ['GET', '/admin/clients', undefined],
  ['GET', '/admin/clients/:client', undefined],
  ['PATCH', '/admin/clients/:client', { client_name: 'renamed' }],
  ['POST', '/admin/clients/:client/disable', undefined],
  ['POST', '/admin/clients/:client/enable', undefined],
  ['POST', '/admin/clients/:client/secret', undefined],
  ['DELETE', '/admin/clients/:client', undefined],
  ['POST', '/admin/users', { username: 'guarded', password: 'correct horse battery' }],
  ['GET', '/admin/users', undefined],
  ['GET', '/admin/users/:user', undefined],
  ['PATCH', '/admin/users/:user', { email: 'guarded@example.com' }],
  ['POST', '/admin/users/:user/disable', undefined],
  ['POST', '/admin/users/:user/enable', undefined],
  ['DELETE', '/admin/users/:user', undefined],
];

describe('admin API guard (RFC 6750)', () => {
  let t: TestApp;
  let adminToken: string;
  let plainToken: string;
  let clientId: string;
  let userId: string;

  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = (): JWTPayload => ({
    iss: t.baseUrl,
    aud: t.baseUrl,
    sub: t.admin.id,
    client_id: t.admin.id,
    scope: 'admin',
    jti: 'forged',
  });
  /** Signs with the server's own key, to build tokens that differ in one claim. */
  const signWithServerKey = async (
    payload: JWTPayload,
    header: Record<string, unknown> = {},
    expiresIn = 60,
  ) => {
    const { kid, alg, privateKey } = await activeSigningKey(t);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iat: now, exp: now + expiresIn, ...payload })
      .setProtectedHeader({ alg, kid, typ: 'at+jwt', ...header })
      .sign(privateKey);
  };
  const call = (method: string, path: string, body: unknown, token?: string) => {
    const resolved = path.replace(':client', clientId).replace(':user', userId);
    const auth = token ? { bearer: token } : undefined;
    return method === 'GET' || body === undefined
      ? t.http.request(method, resolved, { auth })
      : t.http.json(method, resolved, body, auth);
  };

  beforeAll(async () => {
    t = await startTestApp();
    adminToken = await t.http.clientToken(t.admin.id, t.admin.secret, 'admin');
    const other = await t.http.json<{ client_id: string; client_secret: string }>(
      'POST',
      '/admin/clients',
      { grant_types: ['client_credentials'], scope: 'orders:read' },
      { bearer: adminToken },
    );
    plainToken = await t.http.clientToken(other.body.client_id, other.body.client_secret);
  });
  beforeEach(async () => {
    const client = await t.http.json<{ client_id: string }>(
      'POST',
      '/admin/clients',
      { grant_types: ['client_credentials'] },
      { bearer: adminToken },
    );
    clientId = client.body.client_id;
    const user = await t.http.json<{ id: string }>(
      'POST',
      '/admin/users',
      {
        username: `u${Date.now()}${Math.random().toString(36).slice(2, 6)}`,
        password: 'correct horse battery',
      },
      { bearer: adminToken },
    );
    userId = user.body.id;
  });
  afterAll(() => t.close());

  const expectInvalidToken = (res: HttpResponse) => {
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="portcullis", error="invalid_token", error_description="[^"]+"$/,
    );
  };

  it.each(ROUTES)(
    '%s %s: no token → 401, token without admin → 403, admin token → 2xx',
    async (method, path, body) => {
      expectInvalidToken(await call(method, path, body));

      const forbidden = await call(method, path, body, plainToken);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error).toBe('insufficient_scope');
      expect(forbidden.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(forbidden.headers.get('www-authenticate')).toContain('scope="admin"');

      const allowed = await call(method, path, body, adminToken);
      expect(allowed.status).toBeGreaterThanOrEqual(200);
      expect(allowed.status).toBeLessThan(300);
    },
  );

  it('a refused call changes nothing', async () => {
    const before = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM clients');
    await call('POST', '/admin/clients', { grant_types: ['client_credentials'] }, plainToken);
    await call('DELETE', '/admin/clients/:client', undefined, plainToken);
    await call('POST', '/admin/users', { username: 'nobody', password: 'correct horse battery' });
    expect(await t.db.query('SELECT count(*) AS n FROM clients')).toEqual(before);
    expect(await t.db.query(`SELECT id FROM users WHERE username = 'nobody'`)).toEqual([]);
  });

  describe('tokens that must be refused with 401 invalid_token', () => {
    const cases: [string, () => Promise<string> | string][] = [
      ['garbage', () => 'not-a-jwt'],
      ['an expired token', () => signWithServerKey(claims(), {}, -120)],
      [
        'a token from another issuer',
        () => signWithServerKey({ ...claims(), iss: 'https://evil.example.com' }),
      ],
      [
        'a token for another audience',
        () => signWithServerKey({ ...claims(), aud: 'https://api.example.com' }),
      ],
      [
        'a token that is not an access token (typ JWT)',
        () => signWithServerKey(claims(), { typ: 'JWT' }),
      ],
      ['a token naming an unknown key', () => signWithServerKey(claims(), { kid: 'unknown-kid' })],
      [
        'an unsigned token (alg none)',
        () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`,
      ],
      [
        'a token signed with an attacker key under the server kid',
        async () => {
          const { kid } = await activeSigningKey(t);
          const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
          const now = Math.floor(Date.now() / 1000);
          return new SignJWT({ ...claims(), iat: now, exp: now + 60 })
            .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
            .sign(privateKey);
        },
      ],
      [
        'an HS256 token keyed with the public key',
        async () => {
          const { kid } = await activeSigningKey(t);
          const jwks = await t.http.get<{ keys: object[] }>('/.well-known/jwks.json');
          const now = Math.floor(Date.now() / 1000);
          const input = `${b64({ alg: 'HS256', kid, typ: 'at+jwt' })}.${b64({ ...claims(), iat: now, exp: now + 60 })}`;
          const signature = createHmac('sha256', JSON.stringify(jwks.body.keys[0]))
            .update(input)
            .digest('base64url');
          return `${input}.${signature}`;
        },
      ],
      [
        'a token with a tampered payload',
        async () => {
          const good = await signWithServerKey({ ...claims(), scope: 'orders:read' });
          const [header, , signature] = good.split('.');
          return `${header}.${b64({ ...claims(), iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 })}.${signature}`;
        },
      ],
    ];

    it.each(cases)('%s', async (_name, make) => {
      expectInvalidToken(await call('GET', '/admin/clients', undefined, await make()));
    });

    it('a well-formed token signed by the server is accepted (the cases above differ only as named)', async () => {
      const res = await call('GET', '/admin/clients', undefined, await signWithServerKey(claims()));
      expect(res.status).toBe(200);
    });

    it('the Bearer scheme is required', async () => {
      const res = await t.http.request('GET', '/admin/clients', {
        headers: { authorization: `Basic ${adminToken}` },
      });
      expectInvalidToken(res);
    });
  });
});
