import { chromium } from 'playwright-core';
import { BrowserAgent, hiddenField } from '../support/browser-agent.js';
import { startCallbackServer } from '../support/callback-server.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable } from '../support/chromium.js';
import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startFeishuSimulator } from '../support/feishu-simulator.js';
import { pkcePair } from '../support/pkce.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const APP_ID = 'cli_a1b2c3';
const APP_SECRET = 'feishu-app-secret-value-0123456789';
const hasBrowser = chromiumAvailable();

describe('Feishu: sign-in and token broker', () => {
  let t: TestApp;
  let admin: Credentials;
  let feishu: Awaited<ReturnType<typeof startFeishuSimulator>>;
  let callback: Awaited<ReturnType<typeof startCallbackServer>>;
  let web: Registered;
  let service: Registered;

  beforeAll(async () => {
    feishu = await startFeishuSimulator(APP_ID, APP_SECRET);
    callback = await startCallbackServer();
    t = await startTestApp();
    admin = await adminAuth(t);
    const created = await t.http.json(
      'POST',
      '/admin/upstreams',
      {
        name: 'feishu',
        provider: 'feishu',
        app_id: APP_ID,
        app_secret: APP_SECRET,
        base_url: feishu.baseUrl,
        accounts_url: feishu.baseUrl,
        allow_signup: true,
      },
      admin,
    );
    expect(created.status).toBe(201);
    expect(created.text).not.toContain(APP_SECRET);
    web = await registerClient(t, admin, {
      client_name: 'Feishu-enabled app',
      redirect_uris: [callback.url],
      grant_types: ['authorization_code'],
      scope: 'upstream:feishu notes:read',
    });
    service = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'upstream:feishu',
    });
  });
  afterAll(async () => {
    await t.close();
    await feishu.close();
    await callback.close();
  });

  /** Through the login page's Feishu link and back, as a browser would; returns the next location. */
  async function signInWithFeishu(agent: BrowserAgent, scope = 'upstream:feishu') {
    const { verifier, challenge } = pkcePair();
    const start = await agent.get(
      `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: web.client_id, redirect_uri: callback.url, scope, state: 's', code_challenge: challenge, code_challenge_method: 'S256' }).toString()}`,
    );
    const login = await agent.get(start.location!);
    const link = /href="(\/login\/feishu\/feishu\?request=[^"]+)"/.exec(login.text)?.[1];
    expect(link).toBeTruthy();
    const toFeishu = await agent.get(link!.replace(/&amp;/g, '&'));
    expect(toFeishu.status).toBe(302);
    const authorizeUrl = new URL(toFeishu.location!);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('scope')).toContain('offline_access');
    const back = await fetch(toFeishu.location!, { redirect: 'manual' });
    const landing = await agent.get(back.headers.get('location')!);
    return { landing, verifier };
  }

  it('app and tenant tokens are minted once and cached', async () => {
    const bearer = (await token(t, { grant_type: 'client_credentials' }, basic(service))).body
      .access_token!;
    for (const kind of ['tenant', 'app']) {
      const a = await t.http.request<{ access_token: string; expires_in: number }>(
        'POST',
        `/upstream/feishu/feishu/${kind}-token`,
        { auth: { bearer } },
      );
      const b = await t.http.request<{ access_token: string }>(
        'POST',
        `/upstream/feishu/feishu/${kind}-token`,
        { auth: { bearer } },
      );
      expect(a.status).toBe(200);
      expect(a.body.access_token).toMatch(new RegExp(`^t-${kind}-`));
      expect(a.body.expires_in).toBeGreaterThan(7000);
      expect(b.body.access_token).toBe(a.body.access_token);
    }
    expect(feishu.state.calls).toMatchObject({ tenantToken: 1, appToken: 1 });
  });

  it('signs a new user in with Feishu (just-in-time) and continues to consent and the code', async () => {
    feishu.state.person = {
      openId: 'ou_new',
      unionId: 'on_new',
      name: 'New Person',
      email: 'new@example.com',
    };
    const agent = new BrowserAgent(t.baseUrl);
    const { landing } = await signInWithFeishu(agent);
    expect(landing.status).toBe(302);
    expect(landing.location).toMatch(/^\/consent\?request=/);
    const consent = await agent.get(landing.location!);
    expect(consent.text).toContain('feishu-ou_new');
    const allowed = await agent.post('/consent', {
      csrf_token: hiddenField(consent.text, 'csrf_token'),
      request: hiddenField(consent.text, 'request'),
      decision: 'allow',
    });
    expect(new URL(allowed.location!).searchParams.get('code')).toBeTruthy();
    const rows = await t.db.query<{ username: string }>(
      `SELECT u.username FROM upstream_identities i JOIN users u ON u.id = i.user_id WHERE i.external_id = 'ou_new'`,
    );
    expect(rows).toEqual([{ username: 'feishu-ou_new' }]);
  });

  it('signs in a linked user, refuses an unlinked one when sign-up is off, and refuses a forged callback', async () => {
    const linda = await createUser(t, admin, {
      username: 'linda',
      password: 'correct horse battery staple',
    });
    // An administrator links her Feishu identity.
    const linked = await t.http.json<{ items: { connection: string; external_id: string }[] }>(
      'POST',
      `/admin/users/${linda.id}/upstream-identities`,
      { connection: 'feishu', external_id: 'ou_linda', union_id: 'on_linda' },
      admin,
    );
    expect(linked.status).toBe(201);
    expect(linked.body.items).toEqual([
      expect.objectContaining({ connection: 'feishu', external_id: 'ou_linda' }),
    ]);
    expect(
      (
        await t.http.json(
          'POST',
          `/admin/users/${linda.id}/upstream-identities`,
          { connection: 'nope', external_id: 'x' },
          admin,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await t.http.json(
          'POST',
          `/admin/users/${linda.id}/upstream-identities`,
          { connection: 'feishu' },
          admin,
        )
      ).status,
    ).toBe(400);
    feishu.state.person = { openId: 'ou_linda', unionId: 'on_linda', name: 'Linda' };
    const agent = new BrowserAgent(t.baseUrl);
    const { landing } = await signInWithFeishu(agent);
    const consent = await agent.get(landing.location!);
    expect(consent.text).toContain('linda');

    await t.http.json('PATCH', '/admin/upstreams/feishu', { allow_signup: false }, admin);
    feishu.state.person = { openId: 'ou_stranger', unionId: 'on_stranger', name: 'Stranger' };
    const refused = await signInWithFeishu(new BrowserAgent(t.baseUrl));
    expect(refused.landing.status).toBe(403);
    expect(refused.landing.text).toContain('not linked');
    await t.http.json('PATCH', '/admin/upstreams/feishu', { allow_signup: true }, admin);

    const forged = await new BrowserAgent(t.baseUrl).get(
      '/login/feishu/feishu/callback?code=x&state=y',
    );
    expect(forged.status).toBe(400);
  });

  it('refreshes a user token with its single-use refresh token exactly once under concurrency', async () => {
    feishu.state.person = { openId: 'ou_busy', unionId: 'on_busy', name: 'Busy' };
    const agent = new BrowserAgent(t.baseUrl);
    const { landing } = await signInWithFeishu(agent);
    const consent = await agent.get(landing.location!);
    const allowed = await agent.post('/consent', {
      csrf_token: hiddenField(consent.text, 'csrf_token'),
      request: hiddenField(consent.text, 'request'),
      decision: 'allow',
    });
    expect(allowed.status).toBe(303);
    // A user access token for that user (a password set by an admin keeps the test short).
    const [user] = await t.db.query<{ id: string }>(
      `SELECT user_id AS id FROM upstream_identities WHERE external_id = 'ou_busy'`,
    );
    const session = await t.db.query(`SELECT 1 FROM sessions WHERE user_id = $1`, [user.id]);
    expect(session.length).toBeGreaterThan(0);

    const pwClient = await registerClient(t, admin, {
      grant_types: ['password'],
      scope: 'upstream:feishu',
    });
    await t.http.json(
      'PATCH',
      `/admin/users/${user.id}`,
      { password: 'busy person passphrase' },
      admin,
    );
    const userToken = (
      await token(
        t,
        { grant_type: 'password', username: 'feishu-ou_busy', password: 'busy person passphrase' },
        basic(pwClient),
      )
    ).body.access_token!;

    const first = await t.http.request<{ access_token: string }>(
      'POST',
      '/upstream/feishu/feishu/user-token',
      { auth: { bearer: userToken } },
    );
    expect(first.status).toBe(200);
    expect(first.body.access_token).toMatch(/^u-/);

    await t.db.query(`UPDATE upstream_tokens SET expires_at = now() WHERE subject = $1`, [
      `user:${user.id}`,
    ]);
    const refreshesBefore = feishu.state.calls.refresh;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.http.request<{ access_token: string }>('POST', '/upstream/feishu/feishu/user-token', {
          auth: { bearer: userToken },
        }),
      ),
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    expect(new Set(answers.map((a) => a.body.access_token)).size).toBe(1);
    expect(feishu.state.calls.refresh).toBe(refreshesBefore + 1);

    // The stored successor still works: a second refresh succeeds.
    await t.db.query(`UPDATE upstream_tokens SET expires_at = now() WHERE subject = $1`, [
      `user:${user.id}`,
    ]);
    const again = await t.http.request('POST', '/upstream/feishu/feishu/user-token', {
      auth: { bearer: userToken },
    });
    expect(again.status).toBe(200);

    // Someone who never signed in with Feishu gets no Feishu token.
    const serviceToken = (await token(t, { grant_type: 'client_credentials' }, basic(service))).body
      .access_token!;
    expect(
      (
        await t.http.request('POST', '/upstream/feishu/feishu/user-token', {
          auth: { bearer: serviceToken },
        })
      ).status,
    ).toBe(403);
  });

  (hasBrowser ? it : it.skip)(
    'signs in with Feishu in a real browser, for a new and for a linked user',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
      });
      try {
        for (const person of [
          { openId: 'ou_browser_new', unionId: 'on_bn', name: 'Browser New' },
          { openId: 'ou_linda', unionId: 'on_linda', name: 'Linda' },
        ]) {
          feishu.state.person = person;
          const context = await browser.newContext();
          const page = await context.newPage();
          const { challenge } = pkcePair();
          await page.goto(
            `${t.baseUrl}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: web.client_id, redirect_uri: callback.url, scope: 'notes:read', state: 'b', code_challenge: challenge, code_challenge_method: 'S256' }).toString()}`,
          );
          await page.getByRole('link', { name: 'Sign in with Feishu' }).click();
          await page.waitForURL(/\/consent\?/);
          await page.getByRole('button', { name: 'Allow' }).click();
          await page.waitForURL((url) => url.toString().startsWith(callback.url));
          expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
          await context.close();
        }
      } finally {
        await browser.close();
      }
    },
  );
});
