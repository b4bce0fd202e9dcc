import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { startCozeSimulator } from '../support/coze-simulator.js';
import { HttpClient, type Credentials, type HttpResponse } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  claimsOf,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startSibling, type ServerProcess } from '../support/server-process.js';
import { authorizationCode, CALLBACK } from './support/code-flow.js';
import { compactJws, makeKey } from './support/forge.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

const PASSWORD = 'correct horse battery staple';

/** RFC 8725 §2.8 and §3.11: a token of one kind must never pass for another. */
describe('token type confusion', () => {
  let t: SecurityApp;
  let admin: Credentials;
  let sibling: ServerProcess;
  let siblingApi: HttpClient;
  let coze: Awaited<ReturnType<typeof startCozeSimulator>>;
  let app: Registered;
  let introspector: Registered;
  /** The real tokens of one sign-in: an access token, its refresh token and its ID token. */
  let issued: { access_token: string; refresh_token: string; id_token: string };
  /** The tokens that are not access tokens, by kind. */
  const impostors = new Map<string, string>();

  beforeAll(async () => {
    const cozeKey = makeKey('RS256', 'coze-key');
    coze = await startCozeSimulator({
      appId: '1170000000001',
      kid: cozeKey.kid,
      publicKey: cozeKey.pem,
    });
    t = await startSecurityApp({ env: { UPSTREAM_TIMEOUT_MS: '2000' } });
    admin = await adminAuth(t);
    sibling = await startSibling({ ISSUER: t.baseUrl });
    siblingApi = new HttpClient(sibling.baseUrl);

    app = await registerClient(t, admin, {
      grant_types: ['authorization_code', 'refresh_token', 'password'],
      redirect_uris: [CALLBACK],
      scope: 'openid notes:read',
    });
    introspector = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'introspect',
    });
    const user = { username: 'vic', password: PASSWORD };
    await createUser(t, admin, user);

    const first = await authorizationCode(t, app, user, 'openid notes:read');
    const exchanged = await token(
      t,
      {
        grant_type: 'authorization_code',
        code: first.code,
        redirect_uri: CALLBACK,
        code_verifier: first.verifier,
      },
      basic(app),
    );
    expect(exchanged.status).toBe(200);
    issued = exchanged.body as typeof issued;
    expect(issued.id_token).toBeDefined();
    const unredeemed = await authorizationCode(t, app, user, 'openid notes:read');

    const signer = makeKey('ES256', 'svc-1');
    const service = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      scope: 'notes:read',
      jwks: { keys: [signer.jwk] },
    });
    const now = Math.floor(Date.now() / 1000);
    const clientAssertion = compactJws(
      { alg: 'ES256', kid: signer.kid, typ: 'JWT' },
      {
        iss: service.client_id,
        sub: service.client_id,
        aud: t.baseUrl,
        iat: now,
        exp: now + 120,
        jti: randomUUID(),
      },
      signer.privateKey,
    );

    const connection = await t.http.json(
      'POST',
      '/admin/upstreams',
      {
        name: 'coze-main',
        provider: 'coze',
        client_id: '1170000000001',
        private_key: cozeKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        kid: cozeKey.kid,
        token_endpoint: coze.tokenEndpoint,
      },
      admin,
    );
    expect(connection.status).toBe(201);
    const broker = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'upstream:coze',
    });
    const brokered = await t.http.request<{ access_token: string }>(
      'POST',
      '/upstream/coze/coze-main/token',
      { auth: { bearer: await t.http.clientToken(broker.client_id, broker.client_secret!) } },
    );
    expect(brokered.status).toBe(200);

    impostors.set('a refresh token', issued.refresh_token);
    impostors.set('an ID token', issued.id_token);
    impostors.set('an authorization code', unredeemed.code);
    impostors.set('a client assertion', clientAssertion);
    impostors.set('an upstream-brokered (Coze) token', brokered.body.access_token);
    t.ledger.remember(clientAssertion);
  }, 60_000);
  afterAll(async () => {
    await sibling?.stop();
    await coze?.close();
    await t.expectNoSecretInLogs();
    await t.close();
  });

  const refusal = (res: HttpResponse) => {
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_token' });
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="[^"]+", error="invalid_token"/,
    );
  };
  const places: [string, (bearer: string) => Promise<HttpResponse>][] = [
    ['GET /oauth/userinfo', (bearer) => t.http.get('/oauth/userinfo', { bearer })],
    ['the admin API', (bearer) => t.http.get('/admin/clients', { bearer })],
    ['the sibling-service guard', (bearer) => siblingApi.get('/notes', { bearer })],
  ];

  it('control: the real access token is accepted at userinfo and the sibling', async () => {
    expect((await t.http.get('/oauth/userinfo', { bearer: issued.access_token })).status).toBe(200);
    expect((await siblingApi.get('/notes', { bearer: issued.access_token })).status).toBe(200);
  });

  describe.each(places)('as a bearer access token at %s', (_place, present) => {
    it.each([
      'a refresh token',
      'an ID token',
      'an authorization code',
      'a client assertion',
      'an upstream-brokered (Coze) token',
    ])('%s is refused with 401 and a challenge', async (kind) => {
      refusal(await present(impostors.get(kind)!));
    });
  });

  it('an access token used as a refresh token is refused and changes nothing', async () => {
    const before = await t.db.query('SELECT digest, consumed_at FROM refresh_tokens ORDER BY 1');
    const res = await token(
      t,
      { grant_type: 'refresh_token', refresh_token: issued.access_token },
      basic(app),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_grant' });
    expect(res.body.access_token).toBeUndefined();
    expect(await t.db.query('SELECT digest, consumed_at FROM refresh_tokens ORDER BY 1')).toEqual(
      before,
    );
  });

  it('an ID token, signed by the same key, is told apart from an access token by typ and claims', async () => {
    const jwks = await t.http.get<JSONWebKeySet>('/.well-known/jwks.json');
    const keys = createLocalJWKSet(jwks.body);
    // Both verify against the server's keys: only their type and claims tell them apart.
    await jwtVerify(issued.id_token, keys);
    await jwtVerify(issued.access_token, keys);
    expect(decodeProtectedHeader(issued.id_token).kid).toBe(
      decodeProtectedHeader(issued.access_token).kid,
    );
    expect(decodeProtectedHeader(issued.id_token).typ).toBe('JWT');
    expect(decodeProtectedHeader(issued.access_token).typ).toBe('at+jwt');
    const idClaims = claimsOf(issued.id_token);
    expect(idClaims.aud).toBe(app.client_id);
    expect(idClaims).not.toHaveProperty('scope');
    expect(idClaims).not.toHaveProperty('client_id');
    expect(claimsOf(issued.access_token)).toMatchObject({
      aud: t.baseUrl,
      scope: 'openid notes:read',
    });

    const introspected = await t.http.form(
      '/oauth/introspect',
      { token: issued.id_token },
      basic(introspector),
    );
    expect(introspected.body).toEqual({ active: false });
    const asAccess = await t.http.form(
      '/oauth/introspect',
      { token: issued.access_token },
      basic(introspector),
    );
    expect(asAccess.body).toMatchObject({ active: true, token_type: 'Bearer' });
  });
});
