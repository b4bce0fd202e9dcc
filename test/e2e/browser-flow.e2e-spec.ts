import * as oauth from 'oauth4webapi';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startCallbackServer } from '../support/callback-server.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable } from '../support/chromium.js';
import type { Credentials } from '../support/http-client.js';
import { adminAuth, createUser, registerClient, token, type Registered } from '../support/flows.js';
import { pkcePair } from '../support/pkce.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';
const describeInBrowser = chromiumAvailable() ? describe : describe.skip;

describeInBrowser('authorization code flow in a real browser (chromium)', () => {
  let t: TestApp;
  let admin: Credentials;
  let browser: Browser;
  let callback: Awaited<ReturnType<typeof startCallbackServer>>;
  let app: Registered;

  beforeAll(async () => {
    callback = await startCallbackServer();
    t = await startTestApp();
    admin = await adminAuth(t);
    app = await registerClient(t, admin, {
      client_name: 'Field Notes',
      token_endpoint_auth_method: 'none',
      redirect_uris: [callback.url],
      scope: 'openid profile email notes:read notes:write',
    });
    const user = await createUser(t, admin, { username: 'erin', password: PASSWORD });
    await t.http.json('PATCH', `/admin/users/${user.id}`, { email: 'erin@example.com' }, admin);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await callback?.close();
  });

  /** A phone-sized browser with its own cookies. */
  const newContext = () => browser.newContext({ viewport: { width: 390, height: 844 } });

  function authorizeUrl(scope: string, challenge: string, state = 'browser-state') {
    return `${t.baseUrl}/oauth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: app.client_id,
      redirect_uri: callback.url,
      scope,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString()}`;
  }

  async function signIn(page: Page, username = 'erin', password = PASSWORD) {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function codeFromCallback(page: Page) {
    await page.waitForURL((url) => url.toString().startsWith(callback.url));
    const url = new URL(page.url());
    expect(url.searchParams.get('iss')).toBe(t.baseUrl);
    return url;
  }

  it('signs in, consents, comes back with a code, exchanges it and reads userinfo', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      const { verifier, challenge } = pkcePair();
      await page.goto(authorizeUrl('openid email notes:read', challenge));
      await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
      await expect(page.getByText('Field Notes').isVisible()).resolves.toBe(true);
      await page.screenshot({ path: '/tmp/portcullis-login.png' });
      await signIn(page);

      await page.waitForURL(/\/consent\?/);
      await expect(page.getByText('See your email address').isVisible()).resolves.toBe(true);
      await page.screenshot({ path: '/tmp/portcullis-consent.png' });
      await page.getByRole('button', { name: 'Allow' }).click();

      const url = await codeFromCallback(page);
      expect(url.searchParams.get('state')).toBe('browser-state');
      const code = url.searchParams.get('code')!;
      const tokens = await token(t, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: callback.url,
        client_id: app.client_id,
        code_verifier: verifier,
      });
      expect(tokens.status).toBe(200);
      const info = await t.http.get('/oauth/userinfo', { bearer: tokens.body.access_token! });
      expect(info.body).toMatchObject({ preferred_username: 'erin', email: 'erin@example.com' });

      // Same or fewer scopes: straight back, no consent page.
      await page.goto(authorizeUrl('notes:read', pkcePair().challenge, 'second'));
      const again = await codeFromCallback(page);
      expect(again.searchParams.get('state')).toBe('second');
      expect(again.searchParams.get('code')).toBeTruthy();

      // More scopes: asked again.
      await page.goto(authorizeUrl('notes:read notes:write', pkcePair().challenge, 'third'));
      await page.waitForURL(/\/consent\?/);
      await expect(page.getByText('notes:write').isVisible()).resolves.toBe(true);
      await page.getByRole('button', { name: 'Allow' }).click();
      expect((await codeFromCallback(page)).searchParams.get('state')).toBe('third');

      // The consent can be revoked from the account page; the next request asks again.
      await page.goto(`${t.baseUrl}/account/consents`);
      await expect(page.getByText('Field Notes').isVisible()).resolves.toBe(true);
      await page.screenshot({ path: '/tmp/portcullis-account.png' });
      await page.getByRole('button', { name: 'Revoke access' }).click();
      await page.waitForURL(/\/account\/consents$/);
      await expect(
        page.getByText('You have not given any application access.').isVisible(),
      ).resolves.toBe(true);
      await page.goto(authorizeUrl('notes:read', pkcePair().challenge));
      await page.waitForURL(/\/consent\?/);
    } finally {
      await context.close();
    }
  });

  it('asks consent for a registered API in its own words, and remembers it per API', async () => {
    const BILLING = 'https://billing.example.com';
    const registered = await t.http.json(
      'POST',
      '/admin/apis',
      {
        identifier: BILLING,
        name: 'Billing',
        scopes: [{ value: 'invoices:read', description: 'Read your invoices' }],
      },
      admin,
    );
    expect(registered.status).toBe(201);
    const billingApp = await registerClient(t, admin, {
      client_name: 'Ledger',
      token_endpoint_auth_method: 'none',
      redirect_uris: [callback.url],
      scope: 'openid',
      resource_scopes: { [BILLING]: 'invoices:read' },
    });
    const authorize = (challenge: string, state: string) =>
      `${t.baseUrl}/oauth/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: billingApp.client_id,
        redirect_uri: callback.url,
        scope: 'openid invoices:read',
        resource: BILLING,
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString()}`;
    const context = await newContext();
    try {
      const page = await context.newPage();
      const { verifier, challenge } = pkcePair();
      await page.goto(authorize(challenge, 'billing'));
      await signIn(page);
      await page.waitForURL(/\/consent\?/);
      const scopes = page.locator('ul.scopes');
      await expect(scopes.getByText('Read your invoices').isVisible()).resolves.toBe(true);
      await expect(scopes.getByText('at Billing').isVisible()).resolves.toBe(true);
      await page.screenshot({ path: '/tmp/portcullis-consent-api.png' });
      await page.getByRole('button', { name: 'Allow' }).click();
      const url = await codeFromCallback(page);
      const tokens = await token(t, {
        grant_type: 'authorization_code',
        code: url.searchParams.get('code')!,
        redirect_uri: callback.url,
        client_id: billingApp.client_id,
        code_verifier: verifier,
      });
      expect(tokens.status).toBe(200);
      expect(tokens.body.scope).toBe('invoices:read');
      const payload = JSON.parse(
        Buffer.from(tokens.body.access_token!.split('.')[1], 'base64url').toString(),
      ) as { aud: unknown };
      expect(payload.aud).toBe(BILLING);

      // Remembered for this API and scope: straight back the second time.
      await page.goto(authorize(pkcePair().challenge, 'again'));
      expect((await codeFromCallback(page)).searchParams.get('state')).toBe('again');
      await page.goto(`${t.baseUrl}/account/consents`);
      await expect(page.getByText('invoices:read (Billing)').isVisible()).resolves.toBe(true);
    } finally {
      await context.close();
    }
  });

  it('pushes the request (PAR) with oauth4webapi, then signs in and consents in the browser', async () => {
    const issuer = new URL(t.baseUrl);
    const insecure = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    const client: oauth.Client = { client_id: app.client_id };
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(
        as,
        client,
        oauth.None(),
        {
          response_type: 'code',
          redirect_uri: callback.url,
          scope: 'openid notes:write',
          state: 'pushed-state',
          nonce,
          code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
          code_challenge_method: 'S256',
        },
        insecure,
      ),
    );
    const authorizationUrl = new URL(as.authorization_endpoint!);
    authorizationUrl.search = new URLSearchParams({
      client_id: app.client_id,
      request_uri: pushed.request_uri,
    }).toString();

    const context = await newContext();
    try {
      const page = await context.newPage();
      await page.goto(authorizationUrl.toString());
      await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
      await signIn(page);
      await page.waitForURL(/\/consent\?/);
      await expect(page.getByText('notes:write').isVisible()).resolves.toBe(true);
      await page.getByRole('button', { name: 'Allow' }).click();
      const url = await codeFromCallback(page);
      const params = oauth.validateAuthResponse(as, client, url, 'pushed-state');
      const result = await oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.None(),
          params,
          callback.url,
          codeVerifier,
          insecure,
        ),
        { expectedNonce: nonce, requireIdToken: true },
      );
      expect(result.scope).toBe('openid notes:write');

      // The request_uri was used: the same link again is an error page, not a second code.
      await page.goto(authorizationUrl.toString());
      await expect(
        page.getByRole('heading', { name: 'Expired request' }).isVisible(),
      ).resolves.toBe(true);
      expect(page.url()).toBe(authorizationUrl.toString());
    } finally {
      await context.close();
    }
  });

  it('sends access_denied back when the user denies', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      await page.goto(authorizeUrl('notes:read', pkcePair().challenge, 'deny-state'));
      await signIn(page);
      await page.waitForURL(/\/consent\?/);
      await page.getByRole('button', { name: 'Deny' }).click();
      const url = await codeFromCallback(page);
      expect(url.searchParams.get('error')).toBe('access_denied');
      expect(url.searchParams.get('state')).toBe('deny-state');
      expect(url.searchParams.get('code')).toBeNull();
    } finally {
      await context.close();
    }
  });

  it('shows a clear message when sign-in fails, the same for an unknown user', async () => {
    const context: BrowserContext = await newContext();
    try {
      const page = await context.newPage();
      for (const username of ['erin', 'nobody']) {
        await page.goto(authorizeUrl('notes:read', pkcePair().challenge));
        await signIn(page, username, 'wrong password');
        await expect(page.getByRole('alert').textContent()).resolves.toBe(
          'Incorrect username or password.',
        );
        expect(page.url()).toBe(`${t.baseUrl}/login`);
      }
    } finally {
      await context.close();
    }
  });
});
