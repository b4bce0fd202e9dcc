import { BrowserAgent, hiddenField } from '../support/browser-agent.js';
import type { Credentials, HttpResponse } from '../support/http-client.js';
import { adminAuth, createUser, registerClient, type Registered } from '../support/flows.js';
import { pkcePair } from '../support/pkce.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

// RFC 6819 §5.2.2.x / RFC 9700 §4.14: a client or user an administrator disabled can do
// nothing any more, with what it held before included. Enabling it again does not bring back
// what it held: its earlier tokens and codes stay dead (the safe choice), only new ones work.
const PASSWORD = 'correct horse battery staple';
const CALLBACK = 'https://app.example.com/callback';

interface Held {
  clientAccess: string;
  userAccess: string;
  refresh: string;
  code: { code: string; verifier: string };
}

describe('disabled clients and users (RFC 6819 §5.2.2)', () => {
  let t: SecurityApp;
  let admin: Credentials;
  let resourceServer: Registered;

  const registerApp = () =>
    registerClient(t, admin, {
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token', 'password', 'client_credentials'],
      scope: 'openid notes:read',
    });
  const auth = (client: Registered): Credentials => ({
    basic: [client.client_id, client.client_secret!],
  });
  const grant = (client: Registered, params: Record<string, string>) =>
    t.http.form<Record<string, string>>('/oauth/token', params, auth(client));
  const introspect = async (token: string) =>
    (await t.http.form('/oauth/introspect', { token }, auth(resourceServer))).body;
  const userinfo = (token: string) => t.http.get('/oauth/userinfo', { bearer: token });
  const authorizeUrl = (client: Registered, challenge: string) =>
    `/oauth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: CALLBACK,
      scope: 'openid notes:read',
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString()}`;

  /** A browser round trip to an unredeemed code (signing in unless the agent has a session). */
  async function codeFor(client: Registered, username: string, agent: BrowserAgent) {
    const { verifier, challenge } = pkcePair();
    let next = await agent.get(authorizeUrl(client, challenge));
    if (next.location!.startsWith('/login')) {
      const page = await agent.get(next.location!);
      next = await agent.post('/login', {
        csrf_token: hiddenField(page.text, 'csrf_token'),
        request: hiddenField(page.text, 'request'),
        username,
        password: PASSWORD,
      });
    }
    if (next.location!.startsWith('/consent')) {
      const page = await agent.get(next.location!);
      next = await agent.post('/consent', {
        csrf_token: hiddenField(page.text, 'csrf_token'),
        request: hiddenField(page.text, 'request'),
        decision: 'allow',
      });
    }
    const code = new URL(next.location!).searchParams.get('code')!;
    t.ledger.remember(code, verifier, PASSWORD);
    return { code, verifier };
  }

  /** Everything a client and its user hold: tokens of each kind and an unredeemed code. */
  async function holdings(client: Registered, username: string, agent: BrowserAgent) {
    const service = await grant(client, { grant_type: 'client_credentials' });
    const user = await grant(client, { grant_type: 'password', username, password: PASSWORD });
    expect([service.status, user.status]).toEqual([200, 200]);
    return {
      clientAccess: service.body.access_token,
      userAccess: user.body.access_token,
      refresh: user.body.refresh_token,
      code: await codeFor(client, username, agent),
    } satisfies Held;
  }

  const redeem = (client: Registered, code: Held['code']) =>
    grant(client, {
      grant_type: 'authorization_code',
      code: code.code,
      redirect_uri: CALLBACK,
      code_verifier: code.verifier,
    });
  const refresh = (client: Registered, token: string) =>
    grant(client, { grant_type: 'refresh_token', refresh_token: token });

  /** What would show that something was issued: audit rows, refresh tokens, sessions. */
  const issuance = async () =>
    t.db.query(
      `SELECT (SELECT count(*) FROM audit_events WHERE type IN ('token.issued', 'refresh.rotated')) AS issued,
              (SELECT count(*) FROM refresh_tokens) AS refresh_tokens,
              (SELECT count(*) FROM sessions) AS sessions`,
    );

  async function expectAllDead(held: Held) {
    for (const token of [held.clientAccess, held.userAccess, held.refresh])
      expect(await introspect(token)).toEqual({ active: false });
    expect((await userinfo(held.userAccess)).status).toBe(401);
  }

  beforeAll(async () => {
    t = await startSecurityApp({
      // The refused attempts of a disabled client are counted as failures; not what is tested.
      env: { CLIENT_AUTH_MAX_FAILURES: '1000', CLIENT_AUTH_MAX_FAILURES_PER_IP: '100000' },
    });
    admin = await adminAuth(t);
    resourceServer = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'introspect',
    });
  });
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  describe('a disabled client', () => {
    let client: Registered;
    let held: Held;
    beforeAll(async () => {
      client = await registerApp();
      await createUser(t, admin, { username: 'cleo', password: PASSWORD });
      held = await holdings(client, 'cleo', new BrowserAgent(t.baseUrl));
      const disabled = await t.http.json(
        'POST',
        `/admin/clients/${client.client_id}/disable`,
        {},
        admin,
      );
      expect(disabled.status).toBe(200);
    });

    it('is refused every grant, and nothing new is issued', async () => {
      const before = await issuance();
      const answers: HttpResponse<Record<string, string>>[] = [
        await grant(client, { grant_type: 'client_credentials' }),
        await grant(client, { grant_type: 'password', username: 'cleo', password: PASSWORD }),
        await refresh(client, held.refresh),
        await redeem(client, held.code),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(401);
        expect(answer.body.error).toBe('invalid_client');
        expect(answer.body.access_token).toBeUndefined();
      }
      expect(await issuance()).toEqual(before);
    });

    it('finds the tokens it was issued before inactive, at introspection and userinfo', async () => {
      await expectAllDead(held);
    });

    it('has its authorization requests refused on a page, without a redirect', async () => {
      const answer = await new BrowserAgent(t.baseUrl).get(
        authorizeUrl(client, pkcePair().challenge),
      );
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.text).toContain('not registered or is disabled');
    });

    it('enabled again, gets new tokens, but what it held before stays dead', async () => {
      const enabled = await t.http.json(
        'POST',
        `/admin/clients/${client.client_id}/enable`,
        {},
        admin,
      );
      expect(enabled.status).toBe(200);
      await expectAllDead(held);
      const oldRefresh = await refresh(client, held.refresh);
      expect(oldRefresh.status).toBe(400);
      expect(oldRefresh.body.error).toBe('invalid_grant');
      const oldCode = await redeem(client, held.code);
      expect(oldCode.status).toBe(400);
      expect(oldCode.body.error).toBe('invalid_grant');
      expect((await grant(client, { grant_type: 'client_credentials' })).status).toBe(200);
    });
  });

  describe('a disabled user', () => {
    let client: Registered;
    let held: Held;
    let agent: BrowserAgent;
    let userId: string;
    beforeAll(async () => {
      client = await registerApp();
      userId = (await createUser(t, admin, { username: 'dina', password: PASSWORD })).id;
      await createUser(t, admin, { username: 'dina-control', password: PASSWORD });
      agent = new BrowserAgent(t.baseUrl); // keeps dina's session
      held = await holdings(client, 'dina', agent);
      const disabled = await t.http.json('POST', `/admin/users/${userId}/disable`, {}, admin);
      expect(disabled.status).toBe(200);
    });

    /**
     * Status, body and headers of a refusal, minus the clock, the name typed, and the per-address
     * request budget (@nestjs/throttler), which counts down with every attempt whatever its outcome.
     */
    const comparable = (answer: HttpResponse<unknown>, username: string) => ({
      status: answer.status,
      body: answer.text.split(username).join('<username>'),
      headers: [...answer.headers]
        .filter(
          ([name]) =>
            !['date', 'content-length', 'set-cookie'].includes(name) &&
            !name.startsWith('x-ratelimit-'),
        )
        .map(([name, value]) => `${name}: ${value}`),
    });

    it('cannot sign in with the right password, and is answered as for a wrong one, at the grant', async () => {
      const before = await issuance();
      const disabled = await grant(client, {
        grant_type: 'password',
        username: 'dina',
        password: PASSWORD,
      });
      const wrong = await grant(client, {
        grant_type: 'password',
        username: 'dina-control',
        password: 'not-the-password',
      });
      expect(disabled.status).toBe(400);
      expect(comparable(disabled, 'dina')).toEqual(comparable(wrong, 'dina-control'));
      expect(await issuance()).toEqual(before);
    });

    it('cannot sign in with the right password, and is answered as for a wrong one, at /login', async () => {
      const before = await issuance();
      const browser = new BrowserAgent(t.baseUrl);
      const page = await browser.get('/login');
      const submit = (username: string, password: string) =>
        browser.post('/login', {
          csrf_token: hiddenField(page.text, 'csrf_token'),
          username,
          password,
        });
      const disabled = await submit('dina', PASSWORD);
      const wrong = await submit('dina-control', 'not-the-password');
      expect(disabled.status).toBe(401);
      const shape = (answer: Awaited<ReturnType<typeof submit>>, username: string) =>
        comparable(
          { status: answer.status, headers: answer.headers, text: answer.text, body: '' },
          username,
        );
      expect(shape(disabled, 'dina')).toEqual(shape(wrong, 'dina-control'));
      expect(browser.cookies.has('portcullis_session')).toBe(false);
      expect(await issuance()).toEqual(before);
    });

    it('has the refresh token and code it held refused, and its tokens inactive', async () => {
      const before = await issuance();
      const answers = [await refresh(client, held.refresh), await redeem(client, held.code)];
      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(answer.body.error).toBe('invalid_grant');
      }
      expect(await issuance()).toEqual(before);
      // The client's own token is the client's, not the user's: it stays good.
      expect(await introspect(held.clientAccess)).toMatchObject({ active: true });
      for (const token of [held.userAccess, held.refresh])
        expect(await introspect(token)).toEqual({ active: false });
      expect((await userinfo(held.userAccess)).status).toBe(401);
    });

    it('loses the browser session it had: an authorization request goes to the login page', async () => {
      const answer = await agent.get(authorizeUrl(client, pkcePair().challenge));
      expect(answer.status).toBe(302);
      expect(answer.location).toMatch(/^\/login/);
    });

    it('enabled again, can sign in anew, but what it held before stays dead', async () => {
      const enabled = await t.http.json('POST', `/admin/users/${userId}/enable`, {}, admin);
      expect(enabled.status).toBe(200);
      for (const token of [held.userAccess, held.refresh])
        expect(await introspect(token)).toEqual({ active: false });
      expect((await userinfo(held.userAccess)).status).toBe(401);
      expect((await refresh(client, held.refresh)).body.error).toBe('invalid_grant');
      expect((await redeem(client, held.code)).body.error).toBe('invalid_grant');
      const session = await agent.get(authorizeUrl(client, pkcePair().challenge));
      expect(session.location).toMatch(/^\/login/);
      const fresh = await grant(client, {
        grant_type: 'password',
        username: 'dina',
        password: PASSWORD,
      });
      expect(fresh.status).toBe(200);
    });
  });
});
