import { request as httpRequest } from 'node:http';
import type { Credentials } from '../support/http-client.js';
import { adminAuth, createUser, registerClient, type Registered } from '../support/flows.js';
import { AuthorizationDriver, CALLBACK, PASSWORD } from './support/authorization-driver.js';
import type { RecordingBrowser } from './support/recording-browser.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

/** The answer of an authorization response: the query, or the fragment for response_type=token. */
function answerOf(location: string | undefined): URLSearchParams {
  const url = new URL(location!);
  expect(`${url.origin}${url.pathname}`).toBe(CALLBACK);
  return url.hash ? new URLSearchParams(url.hash.slice(1)) : url.searchParams;
}

/** A GET with headers fetch will not send as given (Host). */
function rawGet(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; location?: string; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode!, location: res.headers.location, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

// RFC 9207 and RFC 9700 §4.4 (mix-up): every authorization response names its issuer, and
// RFC 6749 §4.1.2: `state` comes back exactly as the client sent it, whatever it holds.
describe('mix-up defence (iss) and state round trip', () => {
  let t: SecurityApp;
  let drive: AuthorizationDriver;
  let admin: Credentials;
  let web: Registered;
  let implicit: Registered;
  /** Signed in as ivan, who has consented to notes:read for web: authorize answers at once. */
  let ivan: RecordingBrowser;

  /** Exactly one iss, and it is this server's issuer. */
  function expectIss(answer: URLSearchParams) {
    expect(answer.getAll('iss')).toEqual([t.env.ISSUER]);
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
    implicit = await registerClient(t, admin, {
      client_name: 'Implicit',
      redirect_uris: [CALLBACK],
      grant_types: ['implicit'],
      response_types: ['token'],
      scope: 'notes:read',
    });
    await createUser(t, admin, { username: 'ivan', password: PASSWORD });
    await createUser(t, admin, { username: 'judy', password: PASSWORD });
    ivan = drive.browser();
    await drive.codeFor(web, 'ivan', { scope: 'notes:read' }, ivan);
  });
  afterAll(async () => {
    try {
      await t.expectNoSecretInLogs();
    } finally {
      await t.close();
    }
  });

  describe('every authorization response carries iss (RFC 9207)', () => {
    it('discovery advertises authorization_response_iss_parameter_supported and the issuer', async () => {
      for (const path of [
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
      ]) {
        const meta = await t.http.get(path);
        expect(meta.status).toBe(200);
        expect(meta.body).toMatchObject({
          issuer: t.env.ISSUER,
          authorization_endpoint: `${t.env.ISSUER}/oauth/authorize`,
          authorization_response_iss_parameter_supported: true,
        });
      }
    });

    it('a code after login and consent', async () => {
      const { redirect } = await drive.codeFor(web, 'judy', { scope: 'notes:write' });
      expect(redirect.searchParams.get('code')).toBeTruthy();
      expectIss(redirect.searchParams);
    });

    it('a code answered at once from a remembered consent', async () => {
      const res = await ivan.get(drive.pkceAuthorizeUrl(web, { scope: 'notes:read' }).url);
      const answer = answerOf(res.location);
      expect(answer.get('code')).toBeTruthy();
      expectIss(answer);
    });

    it('implicit tokens in the fragment', async () => {
      const agent = drive.browser();
      const redirect = await drive.complete(
        agent,
        drive.authorizeUrl(implicit, { response_type: 'token', scope: 'notes:read' }),
        'judy',
      );
      const answer = answerOf(redirect.toString());
      expect(answer.get('access_token')).toBeTruthy();
      expectIss(answer);
    });

    /** How to provoke each error answer, and which error it is. */
    const ERRORS: [string, string, () => Promise<string | undefined>][] = [
      [
        'access_denied (the user denied)',
        'access_denied',
        async () => {
          const agent = drive.browser();
          const start = await agent.get(drive.pkceAuthorizeUrl(web).url);
          const consent = await drive.signIn(agent, start.location!, 'judy');
          return (await drive.decide(agent, consent.location!, 'deny')).location;
        },
      ],
      [
        'invalid_scope',
        'invalid_scope',
        async () =>
          (await drive.browser().get(drive.pkceAuthorizeUrl(web, { scope: 'admin' }).url)).location,
      ],
      [
        'unsupported_response_type',
        'unsupported_response_type',
        async () =>
          (await drive.browser().get(drive.authorizeUrl(web, { response_type: 'x' }))).location,
      ],
      [
        'invalid_request (a repeated parameter)',
        'invalid_request',
        async () =>
          (await drive.browser().get(`${drive.pkceAuthorizeUrl(web).url}&response_type=code`))
            .location,
      ],
      [
        'login_required (prompt=none, no session)',
        'login_required',
        async () =>
          (await drive.browser().get(drive.pkceAuthorizeUrl(web, { prompt: 'none' }).url)).location,
      ],
      [
        'consent_required (prompt=none, scope not consented)',
        'consent_required',
        async () =>
          (
            await ivan.get(
              drive.pkceAuthorizeUrl(web, { prompt: 'none', scope: 'notes:write' }).url,
            )
          ).location,
      ],
      [
        'an error in the fragment (implicit)',
        'invalid_scope',
        async () =>
          (
            await drive
              .browser()
              .get(drive.authorizeUrl(implicit, { response_type: 'token', scope: 'admin' }))
          ).location,
      ],
    ];

    it.each(ERRORS)('an error: %s', async (_name, error, provoke) => {
      const answer = answerOf(await provoke());
      expect(answer.get('error')).toBe(error);
      expectIss(answer);
    });

    it('iss and discovery come from the configured issuer, never from Host or X-Forwarded-Host', async () => {
      const forged = { host: 'evil.example', 'x-forwarded-host': 'evil.example' };
      const meta = await rawGet(t.port, '/.well-known/oauth-authorization-server', forged);
      expect(meta.status).toBe(200);
      expect(meta.body).not.toContain('evil.example');
      const res = await rawGet(t.port, drive.authorizeUrl(web, { response_type: 'x' }), forged);
      expect(res.status).toBe(302);
      expectIss(answerOf(res.location));
    });

    it('a state that smuggles iss and code cannot add a second of either', async () => {
      const state = `x&iss=${encodeURIComponent('https://evil.example')}&code=forged`;
      const res = await ivan.get(drive.pkceAuthorizeUrl(web, { scope: 'notes:read', state }).url);
      const answer = answerOf(res.location);
      expectIss(answer);
      expect(answer.getAll('code')).toHaveLength(1);
      expect(answer.get('code')).not.toBe('forged');
      expect(answer.getAll('state')).toEqual([state]);
    });
  });

  describe('state is echoed exactly', () => {
    const STATES: [string, string][] = [
      ['spaces', '  a b  c  '],
      ['unicode', 'ünïcødé ✓ 漢字 🚀'],
      ['& and =', 'a&b=c&d'],
      ['#', 'before#after'],
      ['percent signs', '%41%2F%zz%'],
      ['plus signs', 'a+b++c'],
      ['quotes and angle brackets', `"'<script>alert(1)</script>`],
      ['slashes and question marks', '/path?x=1/..\\'],
      ['2048 characters', 'ABCDEFGH'.repeat(256)],
    ];

    it.each(STATES)('on success: %s', async (_name, state) => {
      const res = await ivan.get(drive.pkceAuthorizeUrl(web, { scope: 'notes:read', state }).url);
      const answer = answerOf(res.location);
      expect(answer.get('code')).toBeTruthy();
      expect(answer.getAll('state')).toEqual([state]);
    });

    it.each(STATES)('on an error: %s', async (_name, state) => {
      const res = await drive
        .browser()
        .get(drive.pkceAuthorizeUrl(web, { scope: 'admin', state }).url);
      const answer = answerOf(res.location);
      expect(answer.get('error')).toBe('invalid_scope');
      expect(answer.getAll('state')).toEqual([state]);
    });

    it.each(STATES)('in the fragment of an implicit answer: %s', async (_name, state) => {
      const res = await drive
        .browser()
        .get(drive.authorizeUrl(implicit, { response_type: 'token', scope: 'admin', state }));
      const answer = answerOf(res.location);
      expect(answer.get('error')).toBe('invalid_scope');
      expect(answer.getAll('state')).toEqual([state]);
    });

    it('through login and consent', async () => {
      const state = STATES.map(([, value]) => value.slice(0, 40)).join('|');
      const { redirect } = await drive.codeFor(web, 'judy', { scope: 'notes:read', state });
      expect(redirect.searchParams.getAll('state')).toEqual([state]);
    });

    it('an absent or empty state is not invented', async () => {
      for (const state of [undefined, '']) {
        const { url } = drive.pkceAuthorizeUrl(web, { scope: 'notes:read', state: state ?? '' });
        const res = await ivan.get(state === undefined ? url.replace(/&state=[^&]*/, '') : url);
        const answer = answerOf(res.location);
        expect(answer.get('code')).toBeTruthy();
        expect(answer.has('state')).toBe(false);
      }
    });

    it('a state over 2048 characters is refused, not cut', async () => {
      const res = await ivan.get(
        drive.pkceAuthorizeUrl(web, { scope: 'notes:read', state: 'x'.repeat(2049) }).url,
      );
      const answer = answerOf(res.location);
      expect(answer.get('error')).toBe('invalid_request');
      expect(answer.get('code')).toBeNull();
    });
  });
});
