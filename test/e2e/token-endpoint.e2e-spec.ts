import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { basicAuth, formEncode, type Credentials } from '../support/http-client.js';
import type { Registered, TokenBody } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// A secret with characters that form-urlencoding changes, to prove Basic is decoded per RFC 6749 §2.3.1.
const ODD_SECRET = 'p+s%2F:w/o&r=d~0123456789abcdefghijklmnopqrstuvwxyz';

describe('token endpoint', () => {
  let t: TestApp;
  let admin: Credentials;
  let basicClient: Registered;
  let postClient: Registered;
  let publicClient: Registered;
  let codeOnlyClient: Registered;

  const register = async (body: Record<string, unknown>) => {
    const res = await t.http.json<Registered>('POST', '/admin/clients', body, admin);
    expect(res.status).toBe(201);
    return res.body;
  };
  const token = (params: Record<string, string | string[]>, auth?: Credentials) =>
    t.http.form<TokenBody>('/oauth/token', params, auth);

  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_CLIENT_SECRET: ODD_SECRET } });
    admin = { bearer: await t.http.clientToken(t.admin.id, t.admin.secret, 'admin') };
    basicClient = await register({
      grant_types: ['client_credentials'],
      scope: 'orders:read orders:write',
    });
    postClient = await register({
      grant_types: ['client_credentials'],
      scope: 'reports',
      token_endpoint_auth_method: 'client_secret_post',
    });
    publicClient = await register({
      token_endpoint_auth_method: 'none',
      redirect_uris: ['https://spa.example.com/cb'],
    });
    codeOnlyClient = await register({
      redirect_uris: ['https://web.example.com/cb'],
      scope: 'orders:read',
    });
  });
  afterAll(() => t.close());

  describe('client_credentials (RFC 6749 §4.4)', () => {
    it('issues an RFC 9068 JWT that verifies against the JWKS endpoint', async () => {
      const res = await token(
        { grant_type: 'client_credentials' },
        { basic: [basicClient.client_id, basicClient.client_secret!] },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'orders:read orders:write',
      });
      expect(res.body.refresh_token).toBeUndefined();

      const jwks = createRemoteJWKSet(new URL(`${t.baseUrl}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(res.body.access_token!, jwks, {
        issuer: t.baseUrl,
        audience: t.baseUrl,
        typ: 'at+jwt',
        algorithms: ['ES256'],
      });
      expect(protectedHeader.kid).toBeTruthy();
      expect(payload).toMatchObject({
        sub: basicClient.client_id,
        client_id: basicClient.client_id,
        scope: 'orders:read orders:write',
      });
      expect(payload.exp! - payload.iat!).toBe(900);
      expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
    });

    it('issues a narrower scope when asked, and each token has its own jti', async () => {
      const auth: Credentials = { basic: [basicClient.client_id, basicClient.client_secret!] };
      const a = await token({ grant_type: 'client_credentials', scope: 'orders:read' }, auth);
      const b = await token({ grant_type: 'client_credentials', scope: 'orders:read' }, auth);
      expect(a.body.scope).toBe('orders:read');
      const jti = (jwt: string) =>
        (JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { jti: string }).jti;
      expect(jti(a.body.access_token!)).not.toBe(jti(b.body.access_token!));
    });

    it.each([
      ['a scope the client was not registered for', 'orders:read admin'],
      ['a malformed scope', 'orders:read "quoted"'],
    ])('refuses %s with invalid_scope', async (_name, scope) => {
      const res = await token(
        { grant_type: 'client_credentials', scope },
        { basic: [basicClient.client_id, basicClient.client_secret!] },
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_scope');
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('treats an empty scope parameter as omitted (RFC 6749 §3.1)', async () => {
      const res = await token(
        { grant_type: 'client_credentials', scope: '' },
        { basic: [basicClient.client_id, basicClient.client_secret!] },
      );
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('orders:read orders:write');
    });

    it('refuses a client not registered for the grant with unauthorized_client', async () => {
      const res = await token(
        { grant_type: 'client_credentials' },
        { basic: [codeOnlyClient.client_id, codeOnlyClient.client_secret!] },
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
    });

    it('identifies a public client by client_id alone, and it may not use client_credentials', async () => {
      const res = await token({
        grant_type: 'client_credentials',
        client_id: publicClient.client_id,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
    });
  });

  describe('request shape (RFC 6749 §3.2, §5.2)', () => {
    const auth = (): Credentials => ({
      basic: [basicClient.client_id, basicClient.client_secret!],
    });

    it('refuses an unsupported grant_type', async () => {
      const res = await token({ grant_type: 'urn:example:magic' }, auth());
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unsupported_grant_type');
    });

    it('refuses a request without grant_type', async () => {
      const res = await token({ scope: 'orders:read' }, auth());
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: 'invalid_request',
        error_description: 'grant_type is required',
      });
    });

    it('refuses a repeated parameter', async () => {
      const res = await token(
        { grant_type: 'client_credentials', scope: ['orders:read', 'orders:write'] },
        auth(),
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.error_description).toContain('scope');
    });

    it('refuses a JSON body', async () => {
      const res = await t.http.json(
        'POST',
        '/oauth/token',
        { grant_type: 'client_credentials' },
        auth(),
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it.each([
      ['text/plain', 400],
      ['application/xml', 415],
    ])('refuses a %s body with a %i OAuth error', async (contentType, status) => {
      const res = await t.http.request('POST', '/oauth/token', {
        headers: {
          'content-type': contentType,
          authorization: basicAuth(basicClient.client_id, basicClient.client_secret!),
        },
        body: 'grant_type=client_credentials',
      });
      expect(res.status).toBe(status);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.access_token).toBeUndefined();
    });

    it('ignores parameters it does not know', async () => {
      const res = await token(
        { grant_type: 'client_credentials', foo: 'bar', resource_hint: 'x' },
        auth(),
      );
      expect(res.status).toBe(200);
    });

    it('answers GET with 404 and no token', async () => {
      const res = await t.http.get('/oauth/token?grant_type=client_credentials');
      expect(res.status).toBe(404);
      expect(res.body.access_token).toBeUndefined();
    });
  });

  describe('client authentication (RFC 6749 §2.3)', () => {
    it('accepts client_secret_basic with form-urlencoded credentials', async () => {
      const res = await token(
        { grant_type: 'client_credentials', scope: 'admin' },
        { basic: [t.admin.id, ODD_SECRET] },
      );
      expect(res.status).toBe(200);
    });

    it('refuses Basic credentials that are not form-urlencoded as they should be', async () => {
      const raw = `Basic ${Buffer.from(`${t.admin.id}:${ODD_SECRET}`).toString('base64')}`;
      expect(raw).not.toBe(basicAuth(t.admin.id, ODD_SECRET));
      const res = await t.http.request('POST', '/oauth/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: raw },
        body: 'grant_type=client_credentials',
      });
      expect(res.status).toBe(401);
    });

    it('accepts client_secret_post', async () => {
      const res = await token({
        grant_type: 'client_credentials',
        client_id: postClient.client_id,
        client_secret: postClient.client_secret!,
      });
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('reports');
    });

    const unauthorised = (res: { status: number; headers: Headers; body: TokenBody }) => {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="portcullis"/);
      expect(res.body.access_token).toBeUndefined();
    };

    it('refuses a wrong secret', async () => {
      unauthorised(
        await token(
          { grant_type: 'client_credentials' },
          { basic: [basicClient.client_id, 'wrong'] },
        ),
      );
      unauthorised(
        await token({
          grant_type: 'client_credentials',
          client_id: postClient.client_id,
          client_secret: `${postClient.client_secret!}x`,
        }),
      );
    });

    it('refuses an unknown client with the same answer', async () => {
      unauthorised(
        await token(
          { grant_type: 'client_credentials' },
          { basic: ['no-such-client', basicClient.client_secret!] },
        ),
      );
    });

    it('refuses a method the client did not register', async () => {
      // registered client_secret_basic, tries post
      unauthorised(
        await token({
          grant_type: 'client_credentials',
          client_id: basicClient.client_id,
          client_secret: basicClient.client_secret!,
        }),
      );
      // registered client_secret_post, tries basic
      unauthorised(
        await token(
          { grant_type: 'client_credentials' },
          { basic: [postClient.client_id, postClient.client_secret!] },
        ),
      );
      // confidential client without its secret
      unauthorised(
        await token({ grant_type: 'client_credentials', client_id: basicClient.client_id }),
      );
      // public client presenting a secret
      unauthorised(
        await token({
          grant_type: 'client_credentials',
          client_id: publicClient.client_id,
          client_secret: 'x',
        }),
      );
    });

    it('refuses a disabled client', async () => {
      const c = await register({ grant_types: ['client_credentials'] });
      expect(
        (await t.http.request('POST', `/admin/clients/${c.client_id}/disable`, { auth: admin }))
          .status,
      ).toBe(200);
      unauthorised(
        await token(
          { grant_type: 'client_credentials' },
          { basic: [c.client_id, c.client_secret!] },
        ),
      );
    });

    it('refuses a request without any client credentials', async () => {
      const res = await token({ grant_type: 'client_credentials' });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication is required',
      });
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="portcullis"/);
    });

    it.each([
      'Basic !!!not-base64!!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      `Basic ${Buffer.from(':secret').toString('base64')}`,
    ])('refuses malformed Basic credentials %s', async (authorization) => {
      const res = await t.http.request<TokenBody>('POST', '/oauth/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
        body: 'grant_type=client_credentials',
      });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('refuses two authentication methods in one request', async () => {
      const res = await token(
        { grant_type: 'client_credentials', client_secret: basicClient.client_secret! },
        { basic: [basicClient.client_id, basicClient.client_secret!] },
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('refuses a client_id in the body that differs from the Basic one', async () => {
      const res = await token(
        { grant_type: 'client_credentials', client_id: postClient.client_id },
        { basic: [basicClient.client_id, basicClient.client_secret!] },
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('encodes client ids in Basic as the RFC asks', () => {
      expect(formEncode('a b+c')).toBe('a+b%2Bc');
    });
  });

  describe('discovery and keys', () => {
    it('publishes RFC 8414 metadata listing only what is implemented', async () => {
      const res = await t.http.get('/.well-known/oauth-authorization-server');
      expect(res.status).toBe(200);
      const methods = [
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
        'private_key_jwt',
        'none',
      ];
      const algs = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512'];
      expect(res.body).toEqual({
        issuer: t.baseUrl,
        authorization_endpoint: `${t.baseUrl}/oauth/authorize`,
        token_endpoint: `${t.baseUrl}/oauth/token`,
        jwks_uri: `${t.baseUrl}/.well-known/jwks.json`,
        userinfo_endpoint: `${t.baseUrl}/oauth/userinfo`,
        grant_types_supported: [
          'authorization_code',
          'client_credentials',
          'password',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:jwt-bearer',
          'urn:ietf:params:oauth:grant-type:token-exchange',
          'implicit',
        ],
        response_types_supported: ['code', 'token'],
        response_modes_supported: ['query', 'fragment'],
        code_challenge_methods_supported: ['S256', 'plain'],
        authorization_response_iss_parameter_supported: true,
        token_endpoint_auth_methods_supported: methods,
        token_endpoint_auth_signing_alg_values_supported: algs,
        revocation_endpoint: `${t.baseUrl}/oauth/revoke`,
        revocation_endpoint_auth_methods_supported: methods,
        revocation_endpoint_auth_signing_alg_values_supported: algs,
        introspection_endpoint: `${t.baseUrl}/oauth/introspect`,
        introspection_endpoint_auth_methods_supported: methods.filter((m) => m !== 'none'),
        introspection_endpoint_auth_signing_alg_values_supported: algs,
        dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
        pushed_authorization_request_endpoint: `${t.baseUrl}/oauth/par`,
        require_pushed_authorization_requests: false,
        service_documentation: `${t.baseUrl}/docs`,
        // RFC 9728 §4: no API is registered here, so only Portcullis's own.
        protected_resources: [t.baseUrl],
      });
    });

    it('serves the public signing keys with kid, alg and use, and nothing private', async () => {
      const res = await t.http.get<{ keys: Record<string, string>[] }>('/.well-known/jwks.json');
      expect(res.status).toBe(200);
      // One key per algorithm; SIGNING_ALG's (ES256 by default) signs access tokens.
      expect(res.body.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA', 'PS256', 'RS256']);
      const key = res.body.keys.find((k) => k.alg === 'ES256')!;
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      for (const other of res.body.keys) {
        expect(other.use).toBe('sig');
        expect(other.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
          expect(other[member]).toBeUndefined();
      }
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(key.d).toBeUndefined();
      const issued = await t.http.clientToken(basicClient.client_id, basicClient.client_secret!);
      expect(decodeProtectedHeader(issued).kid).toBe(key.kid);
    });
  });
});
