import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { BrowserAgent, hiddenField } from '../support/browser-agent.js';
import type { Credentials } from '../support/http-client.js';
import { adminAuth, basic, createUser, registerClient, token } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'http://127.0.0.1/cb';
const ALGS = ['ES256', 'RS256', 'PS256', 'EdDSA'];
// The test server speaks plain http on loopback; a real deployment would not need this.
const insecure = { [oauth.allowInsecureRequests]: true };

type Jwk = { kid: string; alg: string; kty: string; crv?: string; use: string; d?: string };

describe('a signing key per algorithm (OIDC Core §15.1, OIDC Registration §2)', () => {
  let t: TestApp;
  let admin: Credentials;
  let as: oauth.AuthorizationServer;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    await createUser(t, admin, { username: 'grace', password: PASSWORD });
    const issuer = new URL(t.baseUrl);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    jwks = createRemoteJWKSet(new URL(`${t.baseUrl}/.well-known/jwks.json`));
  });
  afterAll(() => t.close());

  const publishedKeys = async () =>
    (await t.http.get<{ keys: Jwk[] }>('/.well-known/jwks.json')).body.keys;

  /** The code flow with oauth4webapi, as a relying party runs it: the token response. */
  async function codeFlow(client: oauth.Client, clientAuth: oauth.ClientAuth) {
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid email',
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();
    const agent = new BrowserAgent(t.baseUrl);
    const start = await agent.get(url.toString());
    const login = await agent.get(start.location!);
    const afterLogin = await agent.post('/login', {
      csrf_token: hiddenField(login.text, 'csrf_token'),
      request: hiddenField(login.text, 'request'),
      username: 'grace',
      password: PASSWORD,
    });
    let callback = afterLogin.location!;
    // A consent given before is remembered: then the login answers with the callback.
    if (!callback.startsWith(REDIRECT)) {
      const consent = await agent.get(callback);
      const allowed = await agent.post('/consent', {
        csrf_token: hiddenField(consent.text, 'csrf_token'),
        request: hiddenField(consent.text, 'request'),
        decision: 'allow',
      });
      callback = allowed.location!;
    }
    const params = oauth.validateAuthResponse(as, client, new URL(callback), state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      params,
      REDIRECT,
      codeVerifier,
      insecure,
    );
    return oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
  }

  it('publishes a key for every algorithm with kid, alg and use, and advertises them all (RS256 included)', async () => {
    const keys = await publishedKeys();
    expect(keys.map((k) => `${k.kty}/${k.crv ?? ''}/${k.alg}/${k.use}`).sort()).toEqual([
      'EC/P-256/ES256/sig',
      'OKP/Ed25519/EdDSA/sig',
      'RSA//PS256/sig',
      'RSA//RS256/sig',
    ]);
    for (const key of keys) {
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(key.d).toBeUndefined();
    }
    // oauth4webapi processed the document above; these are what it reads.
    expect(as.id_token_signing_alg_values_supported).toEqual(ALGS);
    expect(as.userinfo_signing_alg_values_supported).toEqual(ALGS);
    const oidc = await t.http.get<Record<string, string[]>>('/.well-known/openid-configuration');
    expect(oidc.body.id_token_signing_alg_values_supported).toContain('RS256');
    expect(oidc.body.token_endpoint_auth_methods_supported).toContain('client_secret_jwt');
    expect(oidc.body.token_endpoint_auth_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256', 'HS384', 'HS512']),
    );
    expect(oidc.body.token_endpoint_auth_signing_alg_values_supported).not.toContain('none');
  });

  describe('a client with id_token_signed_response_alg RS256 and userinfo_signed_response_alg PS256', () => {
    let registered: { client_id: string; client_secret?: string };
    let client: oauth.Client;
    let firstIdToken: string;

    beforeAll(async () => {
      registered = await registerClient(t, admin, {
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code'],
        scope: 'openid email',
        id_token_signed_response_alg: 'RS256',
        userinfo_signed_response_alg: 'PS256',
      });
      client = {
        client_id: registered.client_id,
        id_token_signed_response_alg: 'RS256',
        userinfo_signed_response_alg: 'PS256',
      };
    });

    it('is shown with both algorithms by the admin API', async () => {
      const shown = await t.http.get(`/admin/clients/${registered.client_id}`, admin);
      expect(shown.body).toMatchObject({
        id_token_signed_response_alg: 'RS256',
        userinfo_signed_response_alg: 'PS256',
      });
    });

    it('gets RS256 ID tokens that oauth4webapi and jose verify, while its access token stays SIGNING_ALG’s', async () => {
      const result = await codeFlow(client, oauth.ClientSecretBasic(registered.client_secret!));
      firstIdToken = result.id_token!;
      const header = decodeProtectedHeader(firstIdToken);
      expect(header.alg).toBe('RS256');
      const rsaKey = (await publishedKeys()).find((k) => k.alg === 'RS256')!;
      expect(header.kid).toBe(rsaKey.kid);
      const { payload } = await jwtVerify(firstIdToken, jwks, {
        issuer: t.baseUrl,
        audience: registered.client_id,
        algorithms: ['RS256'],
      });
      expect(payload.sub).toBe(oauth.getValidatedIdTokenClaims(result)!.sub);
      expect(decodeProtectedHeader(result.access_token).alg).toBe('ES256');

      // UserInfo answers this client with a PS256 JWT carrying iss and aud (OIDC Core §5.3.2).
      const response = await oauth.userInfoRequest(as, client, result.access_token, insecure);
      expect(response.headers.get('content-type')).toMatch(/^application\/jwt/);
      const info = await oauth.processUserInfoResponse(as, client, payload.sub!, response);
      expect(info).toMatchObject({ sub: payload.sub, preferred_username: 'grace' });
      await oauth.validateApplicationLevelSignature(as, response, insecure);
      const jwt = await (
        await fetch(as.userinfo_endpoint!, {
          headers: { authorization: `Bearer ${result.access_token}` },
        })
      ).text();
      const verified = await jwtVerify(jwt, jwks, {
        issuer: t.baseUrl,
        audience: registered.client_id,
        algorithms: ['PS256'],
      });
      expect(verified.protectedHeader.kid).toBe(
        (await publishedKeys()).find((k) => k.alg === 'PS256')!.kid,
      );
      expect(verified.payload).toMatchObject({ sub: payload.sub, preferred_username: 'grace' });
    });

    it('after a rotation, signs with the new RS256 key while ID tokens signed before still verify', async () => {
      const rotated = await t.http.request<{ rotated: { kid: string; alg: string }[] }>(
        'POST',
        '/admin/keys/rotate',
        { auth: admin },
      );
      expect(rotated.status).toBe(201);
      const newRsaKid = rotated.body.rotated.find((k) => k.alg === 'RS256')!.kid;
      const result = await codeFlow(client, oauth.ClientSecretBasic(registered.client_secret!));
      expect(decodeProtectedHeader(result.id_token!).kid).toBe(newRsaKid);
      expect(decodeProtectedHeader(firstIdToken).kid).not.toBe(newRsaKid);
      for (const idToken of [firstIdToken, result.id_token!]) {
        await expect(
          jwtVerify(idToken, createRemoteJWKSet(new URL(`${t.baseUrl}/.well-known/jwks.json`)), {
            issuer: t.baseUrl,
            audience: registered.client_id,
            algorithms: ['RS256'],
          }),
        ).resolves.toBeTruthy();
      }
    });
  });

  it('gives a client that names no algorithm ES256 ID tokens and plain JSON from UserInfo', async () => {
    const registered = await registerClient(t, admin, {
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code'],
      scope: 'openid email',
    });
    const shown = await t.http.get(`/admin/clients/${registered.client_id}`, admin);
    expect(shown.body).toMatchObject({
      id_token_signed_response_alg: null,
      userinfo_signed_response_alg: null,
    });
    const client = { client_id: registered.client_id };
    const result = await codeFlow(client, oauth.ClientSecretBasic(registered.client_secret!));
    expect(decodeProtectedHeader(result.id_token!).alg).toBe('ES256');
    const info = await t.http.get('/oauth/userinfo', { bearer: result.access_token });
    expect(info.headers.get('content-type')).toMatch(/^application\/json/);
    expect(info.body).toMatchObject({ preferred_username: 'grace' });
  });

  it.each([
    ['an algorithm without a key', { id_token_signed_response_alg: 'RS512' }],
    ['an HMAC', { id_token_signed_response_alg: 'HS256' }],
    ['none', { id_token_signed_response_alg: 'none' }],
    ['a UserInfo algorithm without a key', { userinfo_signed_response_alg: 'ES384' }],
    ['a number', { userinfo_signed_response_alg: 256 }],
  ])(
    'refuses %s in the metadata with invalid_client_metadata, registering nothing',
    async (_name, metadata) => {
      const count = async () =>
        (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM clients'))[0].n;
      const before = await count();
      const res = await t.http.json<{ error: string; error_description: string }>(
        'POST',
        '/admin/clients',
        { grant_types: ['client_credentials'], ...metadata },
        admin,
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
      expect(res.body.error_description).toContain(Object.keys(metadata)[0]);
      expect(await count()).toBe(before);
    },
  );

  it('refuses an unknown algorithm in an update, leaving the client as it was; null unsets it', async () => {
    const registered = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      id_token_signed_response_alg: 'EdDSA',
    });
    const path = `/admin/clients/${registered.client_id}`;
    const refused = await t.http.json('PATCH', path, { id_token_signed_response_alg: 'X' }, admin);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_client_metadata');
    expect((await t.http.get(path, admin)).body.id_token_signed_response_alg).toBe('EdDSA');
    const unset = await t.http.json('PATCH', path, { id_token_signed_response_alg: null }, admin);
    expect(unset.status).toBe(200);
    expect(unset.body.id_token_signed_response_alg).toBeNull();
    // Access tokens are signed with SIGNING_ALG's key whatever the client's ID token algorithm.
    const issued = await token(t, { grant_type: 'client_credentials' }, basic(registered));
    expect(decodeProtectedHeader(issued.body.access_token!).alg).toBe('ES256');
  });
});

describe('a deployment whose database holds only the ES256 key', () => {
  it('gains a key for each other algorithm at boot, once, with instances booting together', async () => {
    const database = await createTestDatabase();
    const env = { ADMIN_CLIENT_SECRET: 'y'.repeat(40), ISSUER: 'https://auth.example.test' };
    const first = await startTestApp({ database, env });
    const esToken = await first.http.clientToken(first.admin.id, 'y'.repeat(40), 'admin');
    await first.close({ keepData: true });
    // As the database of a release that kept one key: the other algorithms' keys never existed.
    const pg = await import('pg');
    const db = new pg.default.Client({ connectionString: database.url });
    await db.connect();
    await db.query(`DELETE FROM signing_keys WHERE alg <> 'ES256'`);
    const [{ kid: esKid }] = (await db.query<{ kid: string }>('SELECT kid FROM signing_keys')).rows;
    await db.end();

    const [a, b] = await Promise.all([
      startTestApp({ database, env }),
      startTestApp({ database, env }),
    ]);
    try {
      const keys = await a.db.query<{ alg: string; kid: string; status: string }>(
        'SELECT alg, kid, status FROM signing_keys ORDER BY alg',
      );
      expect(keys.map((k) => [k.alg, k.status])).toEqual([
        ['ES256', 'active'],
        ['EdDSA', 'active'],
        ['PS256', 'active'],
        ['RS256', 'active'],
      ]);
      expect(keys[0].kid).toBe(esKid);
      // An instance of the release before signs with the newest active key: still ES256's,
      // so such instances keep signing with it while the upgrade rolls.
      const [newest] = await a.db.query<{ kid: string }>(
        `SELECT kid FROM signing_keys WHERE status = 'active' ORDER BY created_at DESC LIMIT 1`,
      );
      expect(newest.kid).toBe(esKid);
      expect((await a.http.get('/.well-known/jwks.json')).body).toEqual(
        (await b.http.get('/.well-known/jwks.json')).body,
      );
      // Tokens signed before the upgrade still verify.
      expect((await b.http.get('/admin/clients', { bearer: esToken })).status).toBe(200);
    } finally {
      await a.close({ keepData: true });
      await b.close();
    }
  });
});
