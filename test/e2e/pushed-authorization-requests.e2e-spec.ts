import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { BrowserAgent, hiddenField, type AgentResponse } from '../support/browser-agent.js';
import type { Credentials, HttpResponse } from '../support/http-client.js';
import { adminAuth, basic, createUser, registerClient, type Registered } from '../support/flows.js';
import { pkcePair } from '../support/pkce.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'http://127.0.0.1/cb';
const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/;
// The test server speaks plain http on loopback; a real deployment would not need this.
const insecure = { [oauth.allowInsecureRequests]: true };

type PushBody = {
  request_uri?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
};

/** The authorization request parameters of a code flow with PKCE, any of which a test may change. */
function codeRequest(params: Record<string, string | string[]> = {}) {
  return {
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid notes:read',
    state: 'pushed-state',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    ...params,
  };
}

/** Signs in on the login page and allows on the consent page; answers the redirect to the client. */
async function signInAndAllow(agent: BrowserAgent, start: AgentResponse): Promise<URL> {
  expect(start.status).toBe(302);
  expect(start.location).toMatch(/^\/login\?request=/);
  const login = await agent.get(start.location!);
  const afterLogin = await agent.post('/login', {
    csrf_token: hiddenField(login.text, 'csrf_token'),
    request: hiddenField(login.text, 'request'),
    username: 'gina',
    password: PASSWORD,
  });
  let next = afterLogin;
  if (next.location!.startsWith('/consent')) {
    const consent = await agent.get(next.location!);
    next = await agent.post('/consent', {
      csrf_token: hiddenField(consent.text, 'csrf_token'),
      request: hiddenField(consent.text, 'request'),
      decision: 'allow',
    });
  }
  return new URL(next.location!);
}

describe('pushed authorization requests (RFC 9126)', () => {
  let t: TestApp;
  let admin: Credentials;
  let web: Registered;
  let other: Registered;
  let spa: Registered;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    const confidential = {
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid email notes:read',
    };
    web = await registerClient(t, admin, { client_name: 'Pushing web app', ...confidential });
    other = await registerClient(t, admin, { client_name: 'Another app', ...confidential });
    spa = await registerClient(t, admin, {
      client_name: 'Pushing SPA',
      token_endpoint_auth_method: 'none',
      redirect_uris: [REDIRECT],
      scope: 'openid notes:read',
      allowed_cors_origins: ['https://spa.example.com'],
    });
    await createUser(t, admin, { username: 'gina', password: PASSWORD });
  });
  afterAll(() => t.close());

  const push = (params: Record<string, string | string[]>, auth?: Credentials) =>
    t.http.form<PushBody>('/oauth/par', params, auth);

  /** The rows of a client's authorization requests, to see what a request left behind. */
  const requestsOf = (client: Registered) =>
    t.db.query<{ id: string; waiting: boolean; bound: boolean }>(
      `SELECT id, request_uri_digest IS NOT NULL AS waiting, browser_digest IS NOT NULL AS bound
         FROM authorization_requests WHERE client_id = $1 ORDER BY id`,
      [client.client_id],
    );

  const authorizeWith = (agent: BrowserAgent, client: Registered, requestUri: string) =>
    agent.get(
      `/oauth/authorize?${new URLSearchParams({ client_id: client.client_id, request_uri: requestUri }).toString()}`,
    );

  /** A refusal at the pushed authorization request endpoint: JSON, never a page or a redirect. */
  function expectJsonRefusal(res: HttpResponse<PushBody>, status: number, error: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.error).toBe(error);
    expect(typeof res.body.error_description).toBe('string');
  }

  /** A refusal at the authorize endpoint that cannot trust any redirect URI: a 400 page. */
  function expectExpiredPage(res: AgentResponse) {
    expect(res.status).toBe(400);
    expect(res.location).toBeUndefined();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain('Expired request');
  }

  it('is advertised in both discovery documents, not required by default', async () => {
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
    ]) {
      const res = await t.http.get(path);
      expect(res.body).toMatchObject({
        pushed_authorization_request_endpoint: `${t.baseUrl}/oauth/par`,
        require_pushed_authorization_requests: false,
      });
    }
    // Request objects (JAR) are not read; the pushed request's request_uri is the server's own.
    const oidc = await t.http.get('/.well-known/openid-configuration');
    expect(oidc.body).toMatchObject({
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    });
  });

  it('runs a confidential client’s code flow through PAR with oauth4webapi, to tokens', async () => {
    const issuer = new URL(t.baseUrl);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    const client: oauth.Client = { client_id: web.client_id };
    const clientAuth = oauth.ClientSecretBasic(web.client_secret!);
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();

    const response = await oauth.pushedAuthorizationRequest(
      as,
      client,
      clientAuth,
      {
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'openid email',
        state,
        nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      },
      insecure,
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const pushed = await oauth.processPushedAuthorizationResponse(as, client, response);
    expect(pushed.request_uri).toMatch(REQUEST_URI);
    expect(pushed.expires_in).toBe(60);
    // Stored as a digest, waiting for the browser, bound to none yet.
    const waiting = await t.db.query<{ digest: Buffer | null; bound: boolean }>(
      `SELECT request_uri_digest AS digest, browser_digest IS NOT NULL AS bound
         FROM authorization_requests WHERE client_id = $1`,
      [web.client_id],
    );
    expect(waiting).toHaveLength(1);
    expect(waiting[0].digest).toEqual(createHash('sha256').update(pushed.request_uri).digest());
    expect(waiting[0].bound).toBe(false);

    // Parameters sent alongside request_uri are ignored: the pushed request is the request.
    const authorizationUrl = new URL(as.authorization_endpoint!);
    authorizationUrl.search = new URLSearchParams({
      client_id: web.client_id,
      request_uri: pushed.request_uri,
      state: 'not-the-pushed-state',
      scope: 'notes:read',
      redirect_uri: 'https://evil.example/cb',
    }).toString();
    const agent = new BrowserAgent(t.baseUrl);
    const callback = await signInAndAllow(agent, await agent.get(authorizationUrl.toString()));
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    const params = oauth.validateAuthResponse(as, client, callback, state);

    const result = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        REDIRECT,
        codeVerifier,
        insecure,
      ),
      { expectedNonce: nonce, requireIdToken: true },
    );
    expect(result.scope).toBe('openid email');
    expect(oauth.getValidatedIdTokenClaims(result)?.nonce).toBe(nonce);
    // Finished: nothing of the request is left.
    await expect(requestsOf(web)).resolves.toEqual([]);
  });

  it('binds the code to the key of a DPoP proof sent with the push (RFC 9449 §10.1)', async () => {
    const issuer = new URL(t.baseUrl);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    const client: oauth.Client = { client_id: web.client_id };
    const clientAuth = oauth.ClientSecretBasic(web.client_secret!);
    const key = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(client, key);
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();

    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(
        as,
        client,
        clientAuth,
        {
          redirect_uri: REDIRECT,
          response_type: 'code',
          scope: 'notes:read',
          state,
          code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
          code_challenge_method: 'S256',
        },
        { DPoP, ...insecure },
      ),
    );
    const jkt = await calculateJwkThumbprint(await exportJWK(key.publicKey));
    const [stored] = await t.db.query<{ dpop_jkt: string | null }>(
      'SELECT dpop_jkt FROM authorization_requests WHERE client_id = $1',
      [web.client_id],
    );
    expect(stored.dpop_jkt).toBe(jkt);

    const agent = new BrowserAgent(t.baseUrl);
    const callback = await signInAndAllow(
      agent,
      await authorizeWith(agent, web, pushed.request_uri),
    );
    const params = oauth.validateAuthResponse(as, client, callback, state);

    // Another key cannot redeem the code, and the code stays usable.
    const thief = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      params,
      REDIRECT,
      codeVerifier,
      { DPoP: thief, ...insecure },
    );
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as { error: string }).error).toBe('invalid_grant');

    const result = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        REDIRECT,
        codeVerifier,
        { DPoP, ...insecure },
      ),
    );
    expect(result.token_type).toBe('dpop');
    const claims = decodeJwt(result.access_token) as { cnf?: { jkt?: string } };
    expect(claims.cnf?.jkt).toBe(jkt);
  });

  it('refuses a push whose dpop_jkt and DPoP proof name different keys, storing nothing', async () => {
    const issuer = new URL(t.baseUrl);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    const client: oauth.Client = { client_id: other.client_id };
    const otherKey = await oauth.generateKeyPair('ES256');
    const res = await oauth.pushedAuthorizationRequest(
      as,
      client,
      oauth.ClientSecretBasic(other.client_secret!),
      {
        ...codeRequest(),
        dpop_jkt: await calculateJwkThumbprint(await exportJWK(otherKey.publicKey)),
      },
      { DPoP: oauth.DPoP(client, await oauth.generateKeyPair('ES256')), ...insecure },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    await expect(requestsOf(other)).resolves.toEqual([]);
  });

  it('identifies a public client by client_id alone (RFC 9126 §2.1)', async () => {
    const res = await push(codeRequest({ client_id: spa.client_id }));
    expect(res.status).toBe(201);
    expect(res.body.request_uri).toMatch(REQUEST_URI);
    const agent = new BrowserAgent(t.baseUrl);
    const start = await authorizeWith(agent, spa, res.body.request_uri!);
    expect(start.status).toBe(302);
    expect(start.location).toMatch(/^\/login\?request=/);
    await t.db.query('DELETE FROM authorization_requests WHERE client_id = $1', [spa.client_id]);
  });

  it('answers CORS for a registered origin, as the token endpoint does', async () => {
    const preflight = await t.http.request('OPTIONS', '/oauth/par', {
      headers: {
        origin: 'https://spa.example.com',
        'access-control-request-method': 'POST',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://spa.example.com');
    const stranger = await t.http.request('OPTIONS', '/oauth/par', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  describe('a request_uri', () => {
    it('is used once: a second use is refused as a page, and nothing more is stored', async () => {
      const pushed = await push(codeRequest(), basic(web));
      const agent = new BrowserAgent(t.baseUrl);
      const first = await authorizeWith(agent, web, pushed.body.request_uri!);
      expect(first.location).toMatch(/^\/login\?request=/);
      const before = await requestsOf(web);
      expect(before).toEqual([{ id: expect.any(String), waiting: false, bound: true }]);

      for (const browser of [agent, new BrowserAgent(t.baseUrl)]) {
        expectExpiredPage(await authorizeWith(browser, web, pushed.body.request_uri!));
      }
      await expect(requestsOf(web)).resolves.toEqual(before);
      await t.db.query('DELETE FROM authorization_requests WHERE client_id = $1', [web.client_id]);
    });

    it('is taken by one of several browsers bringing it at once', async () => {
      const pushed = await push(codeRequest(), basic(web));
      const answers = await Promise.all(
        [0, 1, 2].map(() =>
          authorizeWith(new BrowserAgent(t.baseUrl), web, pushed.body.request_uri!),
        ),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([302, 400, 400]);
      await t.db.query('DELETE FROM authorization_requests WHERE client_id = $1', [web.client_id]);
    });

    it('of another client is refused, and stays usable by the client that pushed it', async () => {
      const pushed = await push(codeRequest(), basic(web));
      const agent = new BrowserAgent(t.baseUrl);
      expectExpiredPage(await authorizeWith(agent, other, pushed.body.request_uri!));
      await expect(requestsOf(other)).resolves.toEqual([]);
      await expect(requestsOf(web)).resolves.toEqual([
        { id: expect.any(String), waiting: true, bound: false },
      ]);

      const own = await authorizeWith(agent, web, pushed.body.request_uri!);
      expect(own.location).toMatch(/^\/login\?request=/);
      await t.db.query('DELETE FROM authorization_requests WHERE client_id = $1', [web.client_id]);
    });

    it('is refused once expired, and stays unused', async () => {
      const pushed = await push(codeRequest(), basic(web));
      // Its lifetime passed (expires_at is the database's clock; no test waits for it).
      await t.db.query(
        `UPDATE authorization_requests SET expires_at = now() - interval '1 second'
          WHERE client_id = $1`,
        [web.client_id],
      );
      expectExpiredPage(
        await authorizeWith(new BrowserAgent(t.baseUrl), web, pushed.body.request_uri!),
      );
      await expect(requestsOf(web)).resolves.toEqual([
        { id: expect.any(String), waiting: true, bound: false },
      ]);
      await t.db.query('DELETE FROM authorization_requests WHERE client_id = $1', [web.client_id]);
    });

    it.each([
      ['unknown', `urn:ietf:params:oauth:request_uri:${'A'.repeat(43)}`],
      ['of another form', 'https://client.example.com/request.jwt'],
    ])('%s is refused as a page', async (_, requestUri) => {
      expectExpiredPage(await authorizeWith(new BrowserAgent(t.baseUrl), web, requestUri));
    });

    it('without client_id is refused as a page, and stays unused', async () => {
      const pushed = await push(codeRequest(), basic(web));
      const res = await new BrowserAgent(t.baseUrl).get(
        `/oauth/authorize?request_uri=${encodeURIComponent(pushed.body.request_uri!)}`,
      );
      expect(res.status).toBe(400);
      expect(res.location).toBeUndefined();
      await expect(requestsOf(web)).resolves.toEqual([
        { id: expect.any(String), waiting: true, bound: false },
      ]);
      await t.db.query('DELETE FROM authorization_requests WHERE client_id = $1', [web.client_id]);
    });
  });

  describe('a push refused, as JSON, with nothing stored', () => {
    afterEach(async () => {
      await expect(requestsOf(web)).resolves.toEqual([]);
      await expect(requestsOf(spa)).resolves.toEqual([]);
    });

    it('without client authentication for a confidential client: 401 invalid_client', async () => {
      const res = await push(codeRequest({ client_id: web.client_id }));
      expectJsonRefusal(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
      const none = await push(codeRequest());
      expectJsonRefusal(none, 401, 'invalid_client');
    });

    it('with a wrong secret: 401 invalid_client', async () => {
      const res = await push(codeRequest(), { basic: [web.client_id, 'not-the-secret'] });
      expectJsonRefusal(res, 401, 'invalid_client');
    });

    it('with a redirect URI the client did not register: invalid_redirect_uri', async () => {
      const res = await push(codeRequest({ redirect_uri: 'https://evil.example/cb' }), basic(web));
      expectJsonRefusal(res, 400, 'invalid_redirect_uri');
      expect(res.body.error_description).toBe(
        'redirect_uri is not one of the redirect URIs the client registered',
      );
    });

    it('with request_uri inside: invalid_request', async () => {
      const res = await push(
        codeRequest({ request_uri: `urn:ietf:params:oauth:request_uri:${'A'.repeat(43)}` }),
        basic(web),
      );
      expectJsonRefusal(res, 400, 'invalid_request');
      expect(res.body.error_description).toContain('request_uri');
    });

    it('with a request object, which is not supported: request_not_supported', async () => {
      const res = await push(codeRequest({ request: 'eyJhbGciOiJub25lIn0.e30.' }), basic(web));
      expectJsonRefusal(res, 400, 'request_not_supported');
    });

    it.each([
      ['a repeated parameter', 'invalid_request', { state: ['a', 'b'] }],
      ['no response_type', 'invalid_request', { response_type: '' }],
      ['a response type it may not use', 'unauthorized_client', { response_type: 'token' }],
      ['an unknown response type', 'unsupported_response_type', { response_type: 'id_token' }],
      ['a scope it may not have', 'invalid_scope', { scope: 'openid admin' }],
      ['an unknown resource', 'invalid_target', { resource: 'https://unknown.example.com' }],
      ['no PKCE challenge', 'invalid_request', { code_challenge: '', code_challenge_method: '' }],
      ['a malformed PKCE challenge', 'invalid_request', { code_challenge: 'short' }],
      ['an overlong nonce', 'invalid_request', { nonce: 'n'.repeat(513) }],
      ['an overlong state', 'invalid_request', { state: 's'.repeat(2049) }],
    ])('with %s: %s', async (_, error, params) => {
      const res = await push(codeRequest(params), basic(web));
      expectJsonRefusal(res, 400, error);
    });

    it('for a public client, by the same rules: PKCE is required', async () => {
      const res = await push(
        codeRequest({ client_id: spa.client_id, code_challenge: '', code_challenge_method: '' }),
      );
      expectJsonRefusal(res, 400, 'invalid_request');
    });

    it('with a body that is not a form: invalid_request', async () => {
      const res = await t.http.request<PushBody>('POST', '/oauth/par', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(codeRequest()),
        auth: basic(web),
      });
      expectJsonRefusal(res, 400, 'invalid_request');
    });
  });

  describe('required of a client (require_pushed_authorization_requests)', () => {
    let strict: Registered;

    beforeAll(async () => {
      strict = await registerClient(t, admin, {
        client_name: 'Strict app',
        redirect_uris: [REDIRECT],
        scope: 'openid',
        require_pushed_authorization_requests: true,
      });
    });

    it('is client metadata of the admin API', async () => {
      const shown = await t.http.get(`/admin/clients/${strict.client_id}`, admin);
      expect(shown.body).toMatchObject({ require_pushed_authorization_requests: true });
      const usual = await t.http.get(`/admin/clients/${web.client_id}`, admin);
      expect(usual.body).toMatchObject({ require_pushed_authorization_requests: false });
      const machine = await t.http.json(
        'POST',
        '/admin/clients',
        {
          grant_types: ['client_credentials'],
          require_pushed_authorization_requests: true,
        },
        admin,
      );
      expect(machine.status).toBe(400);
      expect(machine.body).toMatchObject({ error: 'invalid_client_metadata' });
      const wrongType = await t.http.json(
        'PATCH',
        `/admin/clients/${web.client_id}`,
        { require_pushed_authorization_requests: 'yes' },
        admin,
      );
      expect(wrongType.status).toBe(400);
    });

    it('refuses a plain authorize request back to the client with invalid_request', async () => {
      const res = await new BrowserAgent(t.baseUrl).get(
        `/oauth/authorize?${new URLSearchParams({ ...codeRequest({ scope: 'openid' }), client_id: strict.client_id }).toString()}`,
      );
      expect(res.status).toBe(302);
      const url = new URL(res.location!);
      expect(url.origin + url.pathname).toBe(REDIRECT);
      expect(url.searchParams.get('error')).toBe('invalid_request');
      expect(url.searchParams.get('state')).toBe('pushed-state');
      expect(url.searchParams.get('iss')).toBe(t.baseUrl);
      await expect(requestsOf(strict)).resolves.toEqual([]);
    });

    it('still refuses an unregistered redirect URI as a page, never sending the browser there', async () => {
      const res = await new BrowserAgent(t.baseUrl).get(
        `/oauth/authorize?${new URLSearchParams({ ...codeRequest({ redirect_uri: 'https://evil.example/cb' }), client_id: strict.client_id }).toString()}`,
      );
      expect(res.status).toBe(400);
      expect(res.location).toBeUndefined();
    });

    it('takes its pushed requests', async () => {
      const pushed = await push(codeRequest({ scope: 'openid' }), basic(strict));
      expect(pushed.status).toBe(201);
      const agent = new BrowserAgent(t.baseUrl);
      const callback = await signInAndAllow(
        agent,
        await authorizeWith(agent, strict, pushed.body.request_uri!),
      );
      expect(callback.searchParams.get('code')).toBeTruthy();
      expect(callback.searchParams.get('state')).toBe('pushed-state');
    });
  });

  it('keeps prompt=none from the pushed request: login_required back to the client, nothing left', async () => {
    const pushed = await push(codeRequest({ prompt: 'none' }), basic(web));
    const res = await authorizeWith(new BrowserAgent(t.baseUrl), web, pushed.body.request_uri!);
    expect(res.status).toBe(302);
    const url = new URL(res.location!);
    expect(url.searchParams.get('error')).toBe('login_required');
    expect(url.searchParams.get('state')).toBe('pushed-state');
    await expect(requestsOf(web)).resolves.toEqual([]);
  });
});

describe('pushed authorization requests required server-wide', () => {
  let t: TestApp;
  let web: Registered;

  beforeAll(async () => {
    t = await startTestApp({ env: { REQUIRE_PUSHED_AUTHORIZATION_REQUESTS: 'true' } });
    const admin = await adminAuth(t);
    web = await registerClient(t, admin, {
      client_name: 'Any app',
      redirect_uris: [REDIRECT],
      scope: 'openid',
    });
  });
  afterAll(() => t.close());

  it('says so in discovery', async () => {
    const res = await t.http.get('/.well-known/oauth-authorization-server');
    expect(res.body).toMatchObject({ require_pushed_authorization_requests: true });
  });

  it('refuses a plain authorize request of any client, and takes a pushed one', async () => {
    const plain = await new BrowserAgent(t.baseUrl).get(
      `/oauth/authorize?${new URLSearchParams({ ...codeRequest({ scope: 'openid' }), client_id: web.client_id }).toString()}`,
    );
    expect(plain.status).toBe(302);
    expect(new URL(plain.location!).searchParams.get('error')).toBe('invalid_request');

    const pushed = await t.http.form<PushBody>(
      '/oauth/par',
      codeRequest({ scope: 'openid' }),
      basic(web),
    );
    expect(pushed.status).toBe(201);
    const start = await new BrowserAgent(t.baseUrl).get(
      `/oauth/authorize?${new URLSearchParams({ client_id: web.client_id, request_uri: pushed.body.request_uri! }).toString()}`,
    );
    expect(start.status).toBe(302);
    expect(start.location).toMatch(/^\/login\?request=/);
  });
});
