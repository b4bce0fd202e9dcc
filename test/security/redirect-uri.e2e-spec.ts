import type { Credentials } from '../support/http-client.js';
import { adminAuth, createUser, registerClient, type Registered } from '../support/flows.js';
import { AuthorizationDriver, CALLBACK } from './support/authorization-driver.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

// RFC 9700 §4.1 and §2.1: the redirect URI is compared with the registered one byte for byte,
// and an authorization request whose client or redirect URI cannot be trusted is answered with
// a page of this server, never with a redirect (RFC 6749 §4.1.2.1, §10.15 open redirectors).
describe('redirect URI manipulation and open redirects', () => {
  let t: SecurityApp;
  let drive: AuthorizationDriver;
  let admin: Credentials;
  let web: Registered; // confidential, two redirect URIs
  let single: Registered; // one redirect URI
  let native: Registered; // public, loopback redirect (RFC 8252)

  const requestRows = async () =>
    (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authorization_requests'))[0].n;

  /** The request is answered with this server's error page, and nothing was stored. */
  async function expectErrorPageWithoutRedirect(url: string, forbidden?: string) {
    const before = await requestRows();
    const res = await drive.browser().get(url);
    expect(res.status).toBe(400);
    expect(res.location).toBeUndefined();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('refresh')).toBeNull();
    expect(res.text).not.toMatch(/http-equiv/i);
    if (forbidden) expect(res.text).not.toContain(forbidden);
    expect(await requestRows()).toBe(before);
    return res;
  }

  beforeAll(async () => {
    t = await startSecurityApp();
    drive = new AuthorizationDriver(t);
    admin = await adminAuth(t);
    const scope = 'openid notes:read notes:write';
    web = await registerClient(t, admin, {
      client_name: 'Notes Web',
      redirect_uris: [CALLBACK, 'https://app.example.com/other'],
      scope,
    });
    single = await registerClient(t, admin, {
      client_name: 'Single',
      redirect_uris: [CALLBACK],
      scope,
      require_pkce: false,
    });
    native = await registerClient(t, admin, {
      client_name: 'Native',
      redirect_uris: ['http://127.0.0.1/native'],
      token_endpoint_auth_method: 'none',
      scope,
    });
    await createUser(t, admin, { username: 'erin', password: 'correct horse battery staple' });
  });
  afterAll(async () => {
    try {
      await t.expectNoSecretInLogs();
    } finally {
      await t.close();
    }
  });

  describe('a redirect_uri other than a registered one, byte for byte, never redirects', () => {
    it.each([
      ['a prefix of the registered URI', 'https://app.example.com/call'],
      ['a suffix added to the registered URI', 'https://app.example.com/callbackx'],
      ['an appended path segment', 'https://app.example.com/callback/evil'],
      ['path traversal out of the registered path', 'https://app.example.com/callback/../evil'],
      ['path traversal back into the registered path', 'https://app.example.com/x/../callback'],
      ['encoded path traversal', 'https://app.example.com/callback/%2e%2e/evil'],
      ['encoded path traversal back in', 'https://app.example.com/x/%2E%2E/callback'],
      ['a userinfo trick to another host', 'https://app.example.com@evil.example/callback'],
      ['userinfo in front of the registered host', 'https://evil.example@app.example.com/callback'],
      ['an encoded slash', 'https://app.example.com%2Fcallback'],
      ['an encoded slash in the path', 'https://app.example.com/callback%2F..%2Fevil'],
      ['an encoded @', 'https://app.example.com%40evil.example/callback'],
      ['double encoding', 'https://app.example.com/callback%252F..%252Fevil'],
      ['a percent-encoded unreserved character', 'https://app.example.com/%63allback'],
      ['an encoded null byte', 'https://app.example.com/callback%00'],
      ['a backslash', 'https://app.example.com\\@evil.example/callback'],
      ['plain http instead of https', 'http://app.example.com/callback'],
      ['the scheme in capitals', 'HTTPS://app.example.com/callback'],
      ['a javascript: URI', 'javascript:alert(document.domain)//https://app.example.com/callback'],
      ['a data: URI', 'data:text/html,<script>alert(1)</script>'],
      ['another port', 'https://app.example.com:8443/callback'],
      ['the default port spelled out', 'https://app.example.com:443/callback'],
      ['a fragment', `${CALLBACK}#evil`],
      ['an empty fragment', `${CALLBACK}#`],
      ['the host in another case', 'https://APP.example.com/callback'],
      ['the path in another case', 'https://app.example.com/Callback'],
      ['a trailing slash', `${CALLBACK}/`],
      ['a trailing dot on the host', 'https://app.example.com./callback'],
      ['a query added', `${CALLBACK}?next=https://evil.example`],
      ['an empty query', `${CALLBACK}?`],
      ['a subdomain of the registered host', 'https://evil.app.example.com/callback'],
      ['the registered host as a subdomain', 'https://app.example.com.evil.example/callback'],
      ['a homoglyph host', 'https://\u0430pp.example.com/callback'],
      ['trailing whitespace', `${CALLBACK} `],
      ['a trailing newline', `${CALLBACK}\n`],
      ['a protocol-relative URI', '//evil.example/callback'],
      ['a relative path', '/callback'],
      ['another host altogether', 'https://evil.example/callback'],
    ])('%s', async (_name, redirectUri) => {
      await expectErrorPageWithoutRedirect(
        drive.authorizeUrl(web, { redirect_uri: redirectUri }),
        'evil.example',
      );
    });

    it('the registered URI, byte for byte, is accepted (control)', async () => {
      const res = await drive.browser().get(drive.pkceAuthorizeUrl(web).url);
      expect(res.status).toBe(302);
      expect(res.location).toMatch(/^\/login\?request=/);
    });

    it('a redirect_uri sent twice, the registered one first, never redirects', async () => {
      const url = `${drive.authorizeUrl(web)}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`;
      await expectErrorPageWithoutRedirect(url, 'evil.example');
    });

    it('a client_id sent twice never redirects', async () => {
      await expectErrorPageWithoutRedirect(
        `${drive.authorizeUrl(web)}&client_id=${single.client_id}`,
      );
    });
  });

  describe('a loopback redirect may change its port, and nothing else (RFC 8252 §7.3)', () => {
    it.each([
      ['another loopback host', 'http://localhost:5000/native'],
      ['another path', 'http://127.0.0.1:5000/native/evil'],
      ['path traversal', 'http://127.0.0.1:5000/x/../native'],
      ['a userinfo trick', 'http://127.0.0.1:5000@evil.example/native'],
      ['userinfo on the loopback host', 'http://evil.example@127.0.0.1:5000/native'],
      ['https on the loopback host', 'https://127.0.0.1:5000/native'],
      ['a query added', 'http://127.0.0.1:5000/native?x=1'],
      ['a port with a leading zero', 'http://127.0.0.1:05000/native'],
    ])('%s', async (_name, redirectUri) => {
      await expectErrorPageWithoutRedirect(
        drive.authorizeUrl(native, { redirect_uri: redirectUri }),
        'evil.example',
      );
    });

    it('an ephemeral port on the registered loopback URI is accepted (control)', async () => {
      const res = await drive
        .browser()
        .get(drive.pkceAuthorizeUrl(native, { redirect_uri: 'http://127.0.0.1:51234/native' }).url);
      expect(res.status).toBe(302);
      expect(res.location).toMatch(/^\/login\?request=/);
    });
  });

  describe('error paths never redirect to an unverified URI', () => {
    it('an unknown client_id, with an attacker redirect_uri', async () => {
      await expectErrorPageWithoutRedirect(
        drive.authorizeUrl('no-such-client', { redirect_uri: 'https://evil.example/cb' }),
        'evil.example',
      );
    });

    it('a missing client_id, with an attacker redirect_uri', async () => {
      await expectErrorPageWithoutRedirect(
        `/oauth/authorize?response_type=code&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`,
        'evil.example',
      );
    });

    it('a disabled client, with its own registered redirect_uri', async () => {
      const disabled = await registerClient(t, admin, {
        redirect_uris: [CALLBACK],
        scope: 'notes:read',
      });
      const res = await t.http.request('POST', `/admin/clients/${disabled.client_id}/disable`, {
        auth: admin,
      });
      expect(res.status).toBeLessThan(300);
      await expectErrorPageWithoutRedirect(drive.authorizeUrl(disabled));
    });

    it('a missing redirect_uri when the client registered two', async () => {
      await expectErrorPageWithoutRedirect(drive.authorizeUrl(web, { redirect_uri: '' }));
    });

    it('an invalid request (unsupported response_type) with an attacker redirect_uri', async () => {
      await expectErrorPageWithoutRedirect(
        drive.authorizeUrl(web, {
          response_type: 'token id_token',
          redirect_uri: 'https://evil.example/cb',
        }),
        'evil.example',
      );
    });

    it('an invalid scope with an attacker redirect_uri', async () => {
      await expectErrorPageWithoutRedirect(
        drive.authorizeUrl(web, { scope: 'admin', redirect_uri: 'https://evil.example/cb' }),
        'evil.example',
      );
    });

    it('an expired or unknown pending request at /login and /consent', async () => {
      const agent = drive.browser();
      for (const path of ['/login?request=forged', '/consent?request=forged']) {
        const res = await agent.get(path);
        expect(res.status).toBe(400);
        expect(res.location).toBeUndefined();
      }
    });
  });

  describe('with a verified redirect URI, errors go back to it with error, state and iss', () => {
    /** The error redirect is exactly the registered URI plus error, description, state, iss. */
    function expectErrorRedirect(location: string | undefined, error: string) {
      const url = new URL(location!);
      expect(`${url.origin}${url.pathname}`).toBe(CALLBACK);
      expect(url.hash).toBe('');
      expect([...url.searchParams.keys()].sort()).toEqual(
        ['error', 'error_description', 'iss', 'state'].sort(),
      );
      expect(url.searchParams.get('error')).toBe(error);
      expect(url.searchParams.get('state')).toBe('st-123');
      expect(url.searchParams.get('iss')).toBe(t.env.ISSUER);
    }

    it.each([
      ['an unsupported response_type', { response_type: 'id_token' }, 'unsupported_response_type'],
      ['a missing response_type', { response_type: '' }, 'invalid_request'],
      ['a scope beyond the client registration', { scope: 'notes:read admin' }, 'invalid_scope'],
      ['a malformed scope', { scope: 'notes:read  "quoted"' }, 'invalid_scope'],
      ['a missing PKCE challenge', { code_challenge: '' }, 'invalid_request'],
    ])('%s', async (_name, params, error) => {
      const res = await drive.browser().get(drive.pkceAuthorizeUrl(web, params).url);
      expect(res.status).toBe(302);
      expectErrorRedirect(res.location, error);
    });

    it('a repeated state: invalid_request, and neither value is echoed', async () => {
      const res = await drive.browser().get(`${drive.pkceAuthorizeUrl(web).url}&state=other`);
      const answer = new URL(res.location!);
      expect(`${answer.origin}${answer.pathname}`).toBe(CALLBACK);
      expect(answer.searchParams.get('error')).toBe('invalid_request');
      expect(answer.searchParams.get('state')).toBeNull();
      expect(answer.searchParams.get('iss')).toBe(t.env.ISSUER);
    });

    it('a request the user denies', async () => {
      const agent = drive.browser();
      const start = await agent.get(drive.pkceAuthorizeUrl(web).url);
      const consent = await drive.signIn(agent, start.location!, 'erin');
      const denied = await drive.decide(agent, consent.location!, 'deny');
      expect(denied.status).toBe(303);
      expectErrorRedirect(denied.location, 'access_denied');
    });

    it('prompt=none without a session', async () => {
      const res = await drive.browser().get(drive.pkceAuthorizeUrl(web, { prompt: 'none' }).url);
      expectErrorRedirect(res.location, 'login_required');
    });

    it('a single registered redirect URI is used when the request names none', async () => {
      const res = await drive
        .browser()
        .get(drive.authorizeUrl(single, { redirect_uri: '', response_type: 'bogus' }));
      expectErrorRedirect(res.location, 'unsupported_response_type');
    });
  });
});
