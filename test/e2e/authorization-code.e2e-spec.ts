import { createRemoteJWKSet, jwtVerify } from 'jose';
import { BrowserAgent, hiddenField, type AgentResponse } from '../support/browser-agent.js';
import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { pkcePair } from '../support/pkce.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';
const CALLBACK = 'https://app.example.com/callback';

describe('authorization code flow (RFC 6749 §4.1, RFC 7636, RFC 9207)', () => {
  let t: TestApp;
  let admin: Credentials;
  let web: Registered; // confidential, PKCE required (default)
  let spa: Registered; // public
  let legacy: Registered; // confidential, PKCE relaxed, plain allowed
  let implicitClient: Registered;
  let user: { id: string };

  const authorizeUrl = (client: Registered, params: Record<string, string> = {}) => {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: CALLBACK,
      state: 'st-123',
      ...params,
    });
    return `/oauth/authorize?${query.toString()}`;
  };

  /** Signs in through the login page of a pending request; returns where the browser goes next. */
  async function signIn(
    agent: BrowserAgent,
    loginLocation: string,
    username = 'carol',
    password = PASSWORD,
  ) {
    const page = await agent.get(loginLocation);
    expect(page.status).toBe(200);
    return agent.post('/login', {
      csrf_token: hiddenField(page.text, 'csrf_token'),
      request: hiddenField(page.text, 'request'),
      username,
      password,
    });
  }

  /** Answers the consent page. */
  async function decide(agent: BrowserAgent, consentLocation: string, decision: 'allow' | 'deny') {
    const page = await agent.get(consentLocation);
    expect(page.status).toBe(200);
    return agent.post('/consent', {
      csrf_token: hiddenField(page.text, 'csrf_token'),
      request: hiddenField(page.text, 'request'),
      decision,
    });
  }

  /** A full browser round trip to a code. */
  async function codeFor(
    client: Registered,
    params: Record<string, string> = {},
    agent = new BrowserAgent(t.baseUrl),
  ) {
    const start = await agent.get(authorizeUrl(client, params));
    expect(start.status).toBe(302);
    let next: AgentResponse = start;
    if (next.location!.startsWith('/login')) next = await signIn(agent, next.location!);
    if (next.location!.startsWith('/consent')) next = await decide(agent, next.location!, 'allow');
    const url = new URL(next.location!);
    return { url, code: url.searchParams.get('code')!, agent };
  }

  const exchange = (client: Registered, code: string, extra: Record<string, string> = {}) =>
    token(
      t,
      { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, ...extra },
      client.client_secret ? basic(client) : undefined,
    );

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    const common = {
      redirect_uris: [CALLBACK, 'http://127.0.0.1/native'],
      scope: 'openid profile email notes:read notes:write',
    };
    web = await registerClient(t, admin, {
      ...common,
      client_name: 'Notes Web',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    spa = await registerClient(t, admin, {
      ...common,
      client_name: 'Notes SPA',
      token_endpoint_auth_method: 'none',
    });
    legacy = await registerClient(t, admin, {
      ...common,
      client_name: 'Legacy',
      require_pkce: false,
      allow_plain_pkce: true,
    });
    implicitClient = await registerClient(t, admin, {
      redirect_uris: [CALLBACK],
      grant_types: ['implicit'],
      response_types: ['token'],
      scope: 'notes:read',
    });
    user = await createUser(t, admin, { username: 'carol', password: PASSWORD });
    await t.http.json('PATCH', `/admin/users/${user.id}`, { email: 'carol@example.com' }, admin);
    await createUser(t, admin, { username: 'dave', password: PASSWORD });
  });
  afterAll(() => t.close());

  it('runs the whole flow with PKCE: login, consent, code with state and iss, exchange, ID token, userinfo', async () => {
    const { verifier, challenge } = pkcePair();
    const agent = new BrowserAgent(t.baseUrl);
    const start = await agent.get(
      authorizeUrl(web, {
        scope: 'openid email notes:read',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        nonce: 'n-1',
      }),
    );
    expect(start.status).toBe(302);
    expect(start.location).toMatch(/^\/login\?request=/);

    const afterLogin = await signIn(agent, start.location!);
    expect(afterLogin.status).toBe(303);
    expect(afterLogin.location).toMatch(/^\/consent\?request=/);
    const session = agent.cookies.get('portcullis_session');
    expect(session).toBeTruthy();

    const consent = await agent.get(afterLogin.location!);
    expect(consent.text).toContain('Notes Web');
    expect(consent.text).toContain('See your email address');
    expect(consent.text).toContain('name="decision" value="allow"');
    expect(consent.text).toContain('name="decision" value="deny"');

    const allowed = await decide(agent, afterLogin.location!, 'allow');
    expect(allowed.status).toBe(303);
    const redirect = new URL(allowed.location!);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(CALLBACK);
    expect(redirect.searchParams.get('state')).toBe('st-123');
    expect(redirect.searchParams.get('iss')).toBe(t.baseUrl);
    const code = redirect.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const tokens = await exchange(web, code, { code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: 'openid email notes:read' });
    expect(tokens.body.refresh_token).toBeTruthy();
    const idToken = (tokens.body as { id_token?: string }).id_token!;
    const { payload } = await jwtVerify(
      idToken,
      createRemoteJWKSet(new URL(`${t.baseUrl}/.well-known/jwks.json`)),
      {
        issuer: t.baseUrl,
        audience: web.client_id,
      },
    );
    expect(payload).toMatchObject({ sub: user.id, nonce: 'n-1' });
    expect(typeof payload.auth_time).toBe('number');

    const info = await t.http.get('/oauth/userinfo', { bearer: tokens.body.access_token! });
    expect(info.status).toBe(200);
    expect(info.body).toEqual({
      sub: user.id,
      preferred_username: 'carol',
      email: 'carol@example.com',
    });
  });

  it('remembers consent: the same or fewer scopes skip the page, more scopes ask again', async () => {
    const { verifier, challenge } = pkcePair();
    const first = await codeFor(web, {
      scope: 'notes:read notes:write',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect((await exchange(web, first.code, { code_verifier: verifier })).status).toBe(200);

    const fewer = await first.agent.get(
      authorizeUrl(web, {
        scope: 'notes:read',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(fewer.status).toBe(302);
    expect(new URL(fewer.location!).searchParams.get('code')).toBeTruthy();

    const more = await first.agent.get(
      authorizeUrl(web, {
        scope: 'notes:read profile',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(more.location).toMatch(/^\/consent\?request=/);
    const page = await first.agent.get(more.location!);
    expect(page.text).toContain('profile');
  });

  it('sends access_denied back when the user denies', async () => {
    const agent = new BrowserAgent(t.baseUrl);
    const start = await agent.get(
      authorizeUrl(web, {
        scope: 'notes:write profile',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      }),
    );
    const afterLogin = await signIn(agent, start.location!, 'dave');
    const denied = await decide(agent, afterLogin.location!, 'deny');
    expect(denied.status).toBe(303);
    const url = new URL(denied.location!);
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe('st-123');
    expect(url.searchParams.get('iss')).toBe(t.baseUrl);
    expect(url.searchParams.get('code')).toBeNull();
  });

  it('shows the same message for an unknown user and a wrong password, and stays on the page', async () => {
    for (const [username, password] of [
      ['carol', 'not it'],
      ['nobody', 'not it'],
    ]) {
      const agent = new BrowserAgent(t.baseUrl);
      const start = await agent.get(
        authorizeUrl(web, { code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
      );
      const res = await signIn(agent, start.location!, username, password);
      expect(res.status).toBe(401);
      expect(res.location).toBeUndefined();
      expect(res.text).toContain('Incorrect username or password.');
      expect(agent.cookies.get('portcullis_session')).toBeUndefined();
    }
  });

  describe('errors that must not redirect (no open redirector)', () => {
    it.each([
      ['an unknown client', { client_id: 'nope' }],
      ['a trailing slash', { redirect_uri: `${CALLBACK}/` }],
      ['a different case', { redirect_uri: CALLBACK.toUpperCase() }],
      ['an extra query', { redirect_uri: `${CALLBACK}?x=1` }],
      [
        'another port on a non-loopback host',
        { redirect_uri: 'https://app.example.com:8443/callback' },
      ],
      ['plain http', { redirect_uri: CALLBACK.replace('https', 'http') }],
      ['a fragment', { redirect_uri: `${CALLBACK}#x` }],
      ['another host', { redirect_uri: 'https://evil.example.com/callback' }],
      ['a userinfo trick', { redirect_uri: 'https://app.example.com@evil.example.com/callback' }],
      ['a missing redirect_uri with two registered', { redirect_uri: '' }],
    ])('%s', async (_name, params) => {
      const res = await new BrowserAgent(t.baseUrl).get(authorizeUrl(web, params));
      expect(res.status).toBe(400);
      expect(res.location).toBeUndefined();
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
    });
  });

  it('accepts any port on a registered loopback redirect (RFC 8252 §7.3)', async () => {
    const res = await new BrowserAgent(t.baseUrl).get(
      authorizeUrl(spa, {
        redirect_uri: 'http://127.0.0.1:51234/native',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(res.status).toBe(302);
    expect(res.location).toMatch(/^\/login/);
  });

  describe('errors sent to the redirect URI with state and iss', () => {
    it.each([
      ['a missing response_type', 'web', { response_type: '' }, 'invalid_request'],
      [
        'an unknown response_type',
        'web',
        { response_type: 'id_token' },
        'unsupported_response_type',
      ],
      [
        'a scope the client lacks',
        'web',
        { scope: 'admin', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' },
        'invalid_scope',
      ],
      ['implicit for a code client', 'web', { response_type: 'token' }, 'unauthorized_client'],
      ['no PKCE for a public client', 'spa', {}, 'invalid_request'],
      ['no PKCE for a confidential client by default', 'web', {}, 'invalid_request'],
      [
        'plain PKCE when not allowed',
        'spa',
        { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
        'invalid_request',
      ],
      [
        'a malformed challenge',
        'spa',
        { code_challenge: 'short', code_challenge_method: 'S256' },
        'invalid_request',
      ],
    ])('%s (client %s)', async (_name, which, params, error) => {
      // Clients are registered in beforeAll, after this table is built: look them up by name.
      const client = which === 'web' ? web : spa;
      const res = await new BrowserAgent(t.baseUrl).get(authorizeUrl(client, params));
      expect(res.status).toBe(302);
      const url = new URL(res.location!);
      expect(`${url.origin}${url.pathname}`).toBe(CALLBACK);
      // response_type=token answers in the fragment, errors included.
      const answer =
        (params as { response_type?: string }).response_type === 'token'
          ? new URLSearchParams(url.hash.slice(1))
          : url.searchParams;
      expect(answer.get('error')).toBe(error);
      expect(answer.get('error_description')).toBeTruthy();
      expect(answer.get('state')).toBe('st-123');
      expect(answer.get('iss')).toBe(t.baseUrl);
    });

    it('prompt=none without a session → login_required', async () => {
      const res = await new BrowserAgent(t.baseUrl).get(
        authorizeUrl(web, {
          prompt: 'none',
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(new URL(res.location!).searchParams.get('error')).toBe('login_required');
    });
  });

  describe('code redemption', () => {
    it('a replayed code fails and revokes what the first redemption issued', async () => {
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(web, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'notes:read',
      });
      const first = await exchange(web, code, { code_verifier: verifier });
      expect(first.status).toBe(200);
      const replay = await exchange(web, code, { code_verifier: verifier });
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
      const refreshed = await token(
        t,
        { grant_type: 'refresh_token', refresh_token: first.body.refresh_token! },
        basic(web),
      );
      expect(refreshed.body.error).toBe('invalid_grant');
      const introspection = await t.http.form<{ active: boolean }>(
        '/oauth/introspect',
        { token: first.body.access_token! },
        basic(web),
      );
      expect(introspection.body.active).toBe(false);
    });

    it('two concurrent redemptions: exactly one wins', async () => {
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(web, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'notes:read',
      });
      const results = await Promise.all(
        Array.from({ length: 5 }, () => exchange(web, code, { code_verifier: verifier })),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it.each([
      ['a wrong verifier', { code_verifier: pkcePair().verifier }],
      ['a missing verifier', {}],
      ['another redirect_uri', { redirect_uri: 'http://127.0.0.1/native' }],
    ])('refuses %s', async (_name, extra) => {
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(web, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'notes:read',
      });
      const res = await exchange(web, code, { code_verifier: verifier, ...extra });
      if (!('code_verifier' in extra) && Object.keys(extra).length === 0) {
        const missing = await exchange(
          web,
          (
            await codeFor(web, {
              code_challenge: challenge,
              code_challenge_method: 'S256',
              scope: 'notes:read',
            })
          ).code,
        );
        expect(missing.body.error).toBe('invalid_grant');
        return;
      }
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    });

    it('refuses a verifier for a code issued without a challenge (PKCE downgrade)', async () => {
      const { code } = await codeFor(legacy, { scope: 'notes:read' });
      const res = await exchange(legacy, code, { code_verifier: pkcePair().verifier });
      expect(res.body.error).toBe('invalid_grant');
      const { code: second } = await codeFor(legacy, { scope: 'notes:read' });
      expect((await exchange(legacy, second)).status).toBe(200);
    });

    it('accepts plain PKCE only for a client configured for it', async () => {
      const verifier = pkcePair().verifier;
      const { code } = await codeFor(legacy, {
        scope: 'notes:read',
        code_challenge: verifier,
        code_challenge_method: 'plain',
      });
      expect((await exchange(legacy, code, { code_verifier: verifier })).status).toBe(200);
    });

    it('refuses a code presented by another client', async () => {
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(web, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'notes:read',
      });
      const res = await exchange(legacy, code, { code_verifier: verifier });
      expect(res.body.error).toBe('invalid_grant');
      // and the code is spent: its own client cannot use it either
      expect((await exchange(web, code, { code_verifier: verifier })).body.error).toBe(
        'invalid_grant',
      );
    });

    it('refuses an expired code', async () => {
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(web, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'notes:read',
      });
      await t.db.query(
        `UPDATE authorization_codes SET expires_at = now() - interval '1 second' WHERE consumed_at IS NULL`,
      );
      expect((await exchange(web, code, { code_verifier: verifier })).body.error).toBe(
        'invalid_grant',
      );
    });

    it('stores codes only as digests', async () => {
      const { code } = await codeFor(legacy, { scope: 'notes:read' });
      expect(JSON.stringify(await t.db.query('SELECT * FROM authorization_codes'))).not.toContain(
        code,
      );
    });

    it('a public client redeems with its client_id and verifier', async () => {
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(spa, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'notes:read',
      });
      const res = await exchange(spa, code, { client_id: spa.client_id, code_verifier: verifier });
      expect(res.status).toBe(200);
      expect(res.body.refresh_token).toBeUndefined(); // not registered for refresh_token
    });
  });

  describe('pages', () => {
    it('carry anti-framing, CSP and no-referrer headers, and no scripts', async () => {
      const agent = new BrowserAgent(t.baseUrl);
      const start = await agent.get(
        authorizeUrl(web, { code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
      );
      for (const page of [
        await agent.get(start.location!),
        await agent.get('/account/consents'),
        await agent.get(authorizeUrl(web, { client_id: 'nope' })),
      ]) {
        if (page.status === 302) continue;
        expect(page.headers.get('x-frame-options')).toBe('DENY');
        expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
        expect(page.headers.get('referrer-policy')).toBe('no-referrer');
        expect(page.text).not.toMatch(/<script/i);
        expect(page.text).toContain('name="viewport"');
      }
    });

    it('set an HttpOnly, SameSite=Lax, signed session cookie (not Secure over http)', async () => {
      const agent = new BrowserAgent(t.baseUrl);
      const page = await agent.get('/login');
      const res = await fetch(`${t.baseUrl}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
        body: new URLSearchParams({
          csrf_token: hiddenField(page.text, 'csrf_token'),
          username: 'carol',
          password: PASSWORD,
        }).toString(),
      });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/account/consents');
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('portcullis_session='))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).not.toMatch(/Secure/i);
      expect(cookie.split(';')[0].split('=')[1]).toMatch(/\./); // value.signature
    });

    it.each([
      ['/login', { username: 'carol', password: PASSWORD }],
      ['/consent', { decision: 'allow', request: 'x' }],
      ['/logout', {}],
      ['/account/consents/revoke', { client_id: 'x' }],
    ])('refuse a POST to %s without a valid CSRF token', async (path, fields) => {
      const agent = new BrowserAgent(t.baseUrl);
      await agent.get('/login'); // has the CSRF cookie, not the token
      const missing = await agent.post(path, fields);
      expect(missing.status).toBe(403);
      const wrong = await agent.post(path, {
        ...(fields as Record<string, string>),
        csrf_token: 'forged',
      });
      expect(wrong.status).toBe(403);
    });

    it('list consents in /account/consents; revoking one revokes its refresh tokens', async () => {
      const { verifier, challenge } = pkcePair();
      const { code, agent } = await codeFor(web, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'notes:read',
      });
      const tokens = await exchange(web, code, { code_verifier: verifier });
      const page = await agent.get('/account/consents');
      expect(page.status).toBe(200);
      expect(page.text).toContain('Notes Web');
      const revoked = await agent.post('/account/consents/revoke', {
        csrf_token: hiddenField(page.text, 'csrf_token'),
        client_id: web.client_id,
      });
      expect(revoked.status).toBe(303);
      expect((await agent.get('/account/consents')).text).not.toContain('Notes Web');
      const refresh = await token(
        t,
        { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token! },
        basic(web),
      );
      expect(refresh.body.error).toBe('invalid_grant');
      const again = await agent.get(
        authorizeUrl(web, {
          scope: 'notes:read',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(again.location).toMatch(/^\/consent/);
    });

    it('logout ends the session', async () => {
      const { agent } = await codeFor(legacy, { scope: 'notes:read' });
      const page = await agent.get('/account/consents');
      const out = await agent.post('/logout', { csrf_token: hiddenField(page.text, 'csrf_token') });
      expect(out.status).toBe(303);
      expect((await agent.get('/account/consents')).location).toBe('/login');
    });
  });

  it('implicit (only for clients registered with it): tokens in the fragment, no refresh token', async () => {
    const agent = new BrowserAgent(t.baseUrl);
    const start = await agent.get(
      authorizeUrl(implicitClient, { response_type: 'token', scope: 'notes:read' }),
    );
    const afterLogin = await signIn(agent, start.location!);
    const allowed = await decide(agent, afterLogin.location!, 'allow');
    const url = new URL(allowed.location!);
    expect(url.search).toBe('');
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get('access_token')).toMatch(/^ey/);
    expect(fragment.get('token_type')).toBe('Bearer');
    expect(fragment.get('state')).toBe('st-123');
    expect(fragment.get('iss')).toBe(t.baseUrl);
    expect(fragment.get('refresh_token')).toBeNull();
  });

  it('userinfo needs a valid user token', async () => {
    expect((await t.http.get('/oauth/userinfo')).status).toBe(401);
    const cc = await t.http.clientToken(t.admin.id, t.admin.secret);
    expect((await t.http.get('/oauth/userinfo', { bearer: cc })).status).toBe(401);
  });

  it('advertises the flow in the metadata and the OpenID configuration', async () => {
    const meta = await t.http.get('/.well-known/oauth-authorization-server');
    expect(meta.body).toMatchObject({
      authorization_endpoint: `${t.baseUrl}/oauth/authorize`,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ['S256', 'plain'],
    });
    const oidc = await t.http.get('/.well-known/openid-configuration');
    expect(oidc.body).toMatchObject({
      issuer: t.baseUrl,
      userinfo_endpoint: `${t.baseUrl}/oauth/userinfo`,
      subject_types_supported: ['public'],
      // OIDC Core §15.1 / Discovery §3: RS256 must be among them.
      id_token_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      userinfo_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    });
  });
});
