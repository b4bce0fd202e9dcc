import { hiddenField } from '../support/browser-agent.js';
import type { Credentials } from '../support/http-client.js';
import { adminAuth, createUser, registerClient, type Registered } from '../support/flows.js';
import { AuthorizationDriver, CALLBACK, PASSWORD } from './support/authorization-driver.js';
import { SESSION_COOKIE_NAME, type RecordingBrowser } from './support/recording-browser.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

const FOREIGN = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };

// RFC 9700 §4.7 (CSRF), §4.16 (clickjacking), RFC 6819 §4.4.1.9: every state-changing form
// needs this site's CSRF token, from this site; every page refuses to be framed.
describe('CSRF on login, consent and consent revocation; clickjacking; session cookies', () => {
  let t: SecurityApp;
  let drive: AuthorizationDriver;
  let admin: Credentials;
  let web: Registered;
  let grace: { id: string };

  const sessionsOf = async (userId: string) =>
    (
      await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1',
        [userId],
      )
    )[0].n;
  const consentRows = async (userId: string) =>
    t.db.query<{ scope: string }>('SELECT scope FROM consents WHERE user_id = $1', [userId]);
  const codeRows = async () =>
    (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authorization_codes'))[0].n;

  /** A post that changed nothing: 403, the CSRF error page, no redirect, no session cookie. */
  function expectRefused(res: { status: number; location?: string; text: string }) {
    expect(res.status).toBe(403);
    expect(res.location).toBeUndefined();
    expect(res.text).toContain('This form was not sent from this site');
  }

  /** A browser signed in as `username`, and the CSRF token of its account page. */
  async function signedIn(username: string): Promise<{ agent: RecordingBrowser; csrf: string }> {
    const agent = drive.browser();
    const done = await drive.signIn(agent, '/login', username);
    expect(done.location).toBe('/account/consents');
    const page = await agent.get('/account/consents');
    return { agent, csrf: hiddenField(page.text, 'csrf_token') };
  }

  beforeAll(async () => {
    t = await startSecurityApp();
    drive = new AuthorizationDriver(t);
    admin = await adminAuth(t);
    web = await registerClient(t, admin, {
      client_name: 'Notes Web',
      redirect_uris: [CALLBACK],
      scope: 'openid notes:read notes:write',
    });
    grace = await createUser(t, admin, { username: 'grace', password: PASSWORD });
    await createUser(t, admin, { username: 'mallory', password: PASSWORD });
  });
  afterAll(async () => {
    try {
      await t.expectNoSecretInLogs();
    } finally {
      await t.close();
    }
  });

  describe('login CSRF', () => {
    /** A victim browser on the login page, ready to be made to post. */
    async function victimOnLoginPage() {
      const agent = drive.browser();
      const page = await agent.get('/login');
      return { agent, csrf: hiddenField(page.text, 'csrf_token') };
    }
    const credentials = { username: 'grace', password: PASSWORD };

    it('a login POST without the CSRF field starts no session', async () => {
      const before = await sessionsOf(grace.id);
      const { agent } = await victimOnLoginPage();
      expectRefused(await agent.post('/login', credentials));
      expect(agent.cookies.get(SESSION_COOKIE_NAME)).toBeUndefined();
      expect(await sessionsOf(grace.id)).toBe(before);
    });

    it("a login POST carrying another browser's CSRF value starts no session", async () => {
      const before = await sessionsOf(grace.id);
      const attacker = await victimOnLoginPage();
      const victim = await victimOnLoginPage();
      expectRefused(
        await victim.agent.post('/login', { ...credentials, csrf_token: attacker.csrf }),
      );
      expect(victim.agent.cookies.get(SESSION_COOKIE_NAME)).toBeUndefined();
      expect(await sessionsOf(grace.id)).toBe(before);
    });

    it('a login POST with a token but no CSRF cookie starts no session', async () => {
      const { csrf } = await victimOnLoginPage();
      const fresh = drive.browser();
      expectRefused(await fresh.post('/login', { ...credentials, csrf_token: csrf }));
      expect(fresh.cookies.get(SESSION_COOKIE_NAME)).toBeUndefined();
    });

    it('a login POST from a foreign Origin starts no session, even with a valid token', async () => {
      const before = await sessionsOf(grace.id);
      const foreignSignals: Record<string, string>[] = [
        { origin: FOREIGN.origin },
        { 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of foreignSignals) {
        const { agent, csrf } = await victimOnLoginPage();
        const body = new URLSearchParams({ ...credentials, csrf_token: csrf }).toString();
        expectRefused(
          await agent.send('POST', '/login', body, {
            'content-type': 'application/x-www-form-urlencoded',
            ...headers,
          }),
        );
        expect(agent.cookies.get(SESSION_COOKIE_NAME)).toBeUndefined();
      }
      expect(await sessionsOf(grace.id)).toBe(before);
    });

    it("a login POST from this site's own origin, or an opaque one, signs in (control)", async () => {
      for (const origin of [new URL(t.env.ISSUER).origin, 'null']) {
        const { agent, csrf } = await victimOnLoginPage();
        const body = new URLSearchParams({ ...credentials, csrf_token: csrf }).toString();
        const res = await agent.send('POST', '/login', body, {
          'content-type': 'application/x-www-form-urlencoded',
          origin,
          'sec-fetch-site': 'same-origin',
        });
        expect(res.status).toBe(303);
        expect(agent.cookies.get(SESSION_COOKIE_NAME)).toBeTruthy();
      }
    });

    it("a session planted before sign-in (fixation) is replaced, and stays the attacker's", async () => {
      const attacker = await signedIn('mallory');
      const planted = attacker.agent.cookies.get(SESSION_COOKIE_NAME)!;
      const victim = drive.browser();
      victim.cookies.set(SESSION_COOKIE_NAME, planted);
      await drive.signIn(victim, '/login', 'grace');
      expect(victim.cookies.get(SESSION_COOKIE_NAME)).not.toBe(planted);
      const attackerView = await attacker.agent.get('/account/consents');
      expect(attackerView.text).toContain('mallory');
      expect(attackerView.text).not.toContain('grace');
    });
  });

  describe('consent CSRF', () => {
    /** Grace signed in, with a pending request on the consent page. */
    async function pendingConsent() {
      const agent = drive.browser();
      const start = await agent.get(drive.pkceAuthorizeUrl(web, { scope: 'notes:write' }).url);
      const consent = await drive.signIn(agent, start.location!, 'grace');
      expect(consent.location).toMatch(/^\/consent\?request=/);
      const page = await agent.get(consent.location!);
      return {
        agent,
        location: consent.location!,
        csrf: hiddenField(page.text, 'csrf_token'),
        request: hiddenField(page.text, 'request'),
      };
    }

    /** The refused POST left no consent and no code, and the request can still be answered. */
    async function expectNothingGranted(pending: Awaited<ReturnType<typeof pendingConsent>>) {
      expect(await consentRows(grace.id)).toEqual([]);
      const allowed = await drive.decide(pending.agent, pending.location, 'deny');
      expect(new URL(allowed.location!).searchParams.get('error')).toBe('access_denied');
    }

    it('a consent POST without the CSRF field grants nothing', async () => {
      const pending = await pendingConsent();
      const codes = await codeRows();
      expectRefused(
        await pending.agent.post('/consent', { request: pending.request, decision: 'allow' }),
      );
      expect(await codeRows()).toBe(codes);
      await expectNothingGranted(pending);
    });

    it("a consent POST carrying another session's CSRF value grants nothing", async () => {
      const pending = await pendingConsent();
      const attacker = await signedIn('mallory');
      const codes = await codeRows();
      expectRefused(
        await pending.agent.post('/consent', {
          request: pending.request,
          decision: 'allow',
          csrf_token: attacker.csrf,
        }),
      );
      expect(await codeRows()).toBe(codes);
      await expectNothingGranted(pending);
    });

    it('a consent POST from a foreign Origin grants nothing, even with a valid token', async () => {
      const pending = await pendingConsent();
      const codes = await codeRows();
      const body = new URLSearchParams({
        request: pending.request,
        decision: 'allow',
        csrf_token: pending.csrf,
      }).toString();
      expectRefused(
        await pending.agent.send('POST', '/consent', body, {
          'content-type': 'application/x-www-form-urlencoded',
          ...FOREIGN,
        }),
      );
      expect(await codeRows()).toBe(codes);
      await expectNothingGranted(pending);
    });
  });

  describe('consent revocation CSRF (/account/consents)', () => {
    /** Grace, signed in, with a consent to the client. */
    async function graceWithConsent() {
      const agent = drive.browser();
      await drive.codeFor(web, 'grace', { scope: 'notes:read' }, agent);
      expect(await consentRows(grace.id)).toHaveLength(1);
      const page = await agent.get('/account/consents');
      return { agent, csrf: hiddenField(page.text, 'csrf_token') };
    }

    afterEach(async () => {
      await t.db.query('DELETE FROM consents WHERE user_id = $1', [grace.id]);
    });

    it('a revocation POST without the CSRF field revokes nothing', async () => {
      const { agent } = await graceWithConsent();
      expectRefused(await agent.post('/account/consents/revoke', { client_id: web.client_id }));
      expect(await consentRows(grace.id)).toHaveLength(1);
    });

    it("a revocation POST carrying another session's CSRF value revokes nothing", async () => {
      const { agent } = await graceWithConsent();
      const attacker = await signedIn('mallory');
      expectRefused(
        await agent.post('/account/consents/revoke', {
          client_id: web.client_id,
          csrf_token: attacker.csrf,
        }),
      );
      expect(await consentRows(grace.id)).toHaveLength(1);
    });

    it('a revocation POST from a foreign Origin revokes nothing, even with a valid token', async () => {
      const { agent, csrf } = await graceWithConsent();
      const body = new URLSearchParams({ client_id: web.client_id, csrf_token: csrf }).toString();
      expectRefused(
        await agent.send('POST', '/account/consents/revoke', body, {
          'content-type': 'application/x-www-form-urlencoded',
          ...FOREIGN,
        }),
      );
      expect(await consentRows(grace.id)).toHaveLength(1);
    });

    it('a logout POST without the CSRF field leaves the session signed in', async () => {
      const { agent } = await signedIn('grace');
      expectRefused(await agent.post('/logout', {}));
      expect((await agent.get('/account/consents')).status).toBe(200);
    });

    it('a revocation POST with its own token revokes (control)', async () => {
      const { agent, csrf } = await graceWithConsent();
      const res = await agent.post('/account/consents/revoke', {
        client_id: web.client_id,
        csrf_token: csrf,
      });
      expect(res.status).toBe(303);
      expect(await consentRows(grace.id)).toEqual([]);
    });
  });

  describe('clickjacking: every HTML page forbids framing', () => {
    /** Every kind of page the server renders, reached the way a browser would. */
    async function everyPage(): Promise<[string, { status: number; headers: Headers }][]> {
      const agent = drive.browser();
      const pages: [string, { status: number; headers: Headers }][] = [];
      const start = await agent.get(drive.pkceAuthorizeUrl(web, { scope: 'notes:write' }).url);
      pages.push(['login page', await agent.get('/login')]);
      pages.push(['login page of a request', await agent.get(start.location!)]);
      pages.push(['expired login request', await agent.get('/login?request=forged')]);
      const page = await agent.get(start.location!);
      const fields = {
        csrf_token: hiddenField(page.text, 'csrf_token'),
        request: hiddenField(page.text, 'request'),
      };
      pages.push([
        'wrong password',
        await agent.post('/login', { ...fields, username: 'grace', password: 'wrong one' }),
      ]);
      pages.push(['login CSRF refusal', await agent.post('/login', { username: 'grace' })]);
      const consent = await agent.post('/login', {
        ...fields,
        username: 'grace',
        password: PASSWORD,
      });
      pages.push(['consent page', await agent.get(consent.location!)]);
      pages.push(['expired consent request', await agent.get('/consent?request=forged')]);
      pages.push(['account consents', await agent.get('/account/consents')]);
      pages.push(['authorize: unknown client', await agent.get(drive.authorizeUrl('nope'))]);
      pages.push([
        'authorize: unregistered redirect',
        await agent.get(drive.authorizeUrl(web, { redirect_uri: 'https://evil.example/' })),
      ]);
      pages.push([
        'upstream sign-in callback',
        await agent.get('/login/feishu/none/callback?state=x&code=y'),
      ]);
      pages.push(['API documentation', await agent.get('/docs')]);
      return pages;
    }

    it('login, consent, account, error and documentation pages send X-Frame-Options and frame-ancestors', async () => {
      const pages = await everyPage();
      for (const [name, res] of pages) {
        expect([name, res.headers.get('content-type')]).toEqual([
          name,
          expect.stringMatching(/^text\/html/),
        ]);
        expect([name, res.headers.get('x-frame-options')]).toEqual([name, 'DENY']);
        expect([name, res.headers.get('content-security-policy')]).toEqual([
          name,
          expect.stringMatching(/frame-ancestors 'none'/),
        ]);
      }
    });
  });

  describe('cookie flags', () => {
    it('session and CSRF cookies are HttpOnly, SameSite=Lax, path /, signed; not Secure over http', async () => {
      const agent = drive.browser();
      const page = await agent.get('/login');
      const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith('portcullis_csrf='));
      const signIn = await agent.post('/login', {
        csrf_token: hiddenField(page.text, 'csrf_token'),
        username: 'grace',
        password: PASSWORD,
      });
      const session = signIn.headers
        .getSetCookie()
        .find((c) => c.startsWith(`${SESSION_COOKIE_NAME}=`));
      for (const cookie of [csrfCookie!, session!]) {
        expect(cookie).toMatch(/;\s*HttpOnly/i);
        expect(cookie).toMatch(/;\s*SameSite=Lax/i);
        expect(cookie).toMatch(/;\s*Path=\/(;|$)/i);
        expect(cookie).not.toMatch(/;\s*Domain=/i);
        expect(cookie).not.toMatch(/;\s*Secure/i);
        expect(cookie.split(';')[0]).toMatch(/=[^.]+\.[^.]+$/); // value.signature
      }
    });

    it('are Secure and __Host- prefixed when the issuer is https, so no sibling host can toss them', async () => {
      const https = await startSecurityApp({ env: { ISSUER: 'https://auth.example.test' } });
      try {
        const httpsAdmin = await adminAuth(https);
        await createUser(https, httpsAdmin, { username: 'heidi', password: PASSWORD });
        const agent = new AuthorizationDriver(https).browser();
        const page = await agent.get('/login');
        const signIn = await agent.post('/login', {
          csrf_token: hiddenField(page.text, 'csrf_token'),
          username: 'heidi',
          password: PASSWORD,
        });
        expect(signIn.status).toBe(303);
        const cookies = [...page.headers.getSetCookie(), ...signIn.headers.getSetCookie()];
        expect(cookies.map((c) => c.split('=')[0]).sort()).toEqual(
          ['__Host-portcullis_csrf', `__Host-${SESSION_COOKIE_NAME}`].sort(),
        );
        for (const cookie of cookies) {
          // What browsers require of a __Host- cookie, or they drop it.
          expect(cookie).toMatch(/;\s*Secure/i);
          expect(cookie).toMatch(/;\s*Path=\/(;|$)/i);
          expect(cookie).not.toMatch(/;\s*Domain=/i);
        }
        await https.expectNoSecretInLogs();
      } finally {
        await https.close();
      }
    });
  });
});
