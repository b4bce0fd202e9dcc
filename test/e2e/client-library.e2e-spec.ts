import * as oauth from 'oauth4webapi';
import { BrowserAgent, hiddenField } from '../support/browser-agent.js';
import type { Credentials } from '../support/http-client.js';
import { adminAuth, createUser, registerClient, type Registered } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'http://127.0.0.1/cb';
// The test server speaks plain http on loopback; a real deployment would not need this.
const insecure = { [oauth.allowInsecureRequests]: true };

describe('a standard client library (oauth4webapi) against Portcullis', () => {
  let t: TestApp;
  let admin: Credentials;
  let registered: Registered;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    registered = await registerClient(t, admin, {
      client_name: 'Library client',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid email notes:read',
    });
    await createUser(t, admin, { username: 'frank', password: PASSWORD });
  });
  afterAll(() => t.close());

  /** What a person does in the browser: sign in and allow. Returns the callback URL. */
  async function userAuthorizes(authorizationUrl: URL): Promise<URL> {
    const agent = new BrowserAgent(t.baseUrl);
    const start = await agent.get(authorizationUrl.toString());
    const login = await agent.get(start.location!);
    const afterLogin = await agent.post('/login', {
      csrf_token: hiddenField(login.text, 'csrf_token'),
      request: hiddenField(login.text, 'request'),
      username: 'frank',
      password: PASSWORD,
    });
    const consent = await agent.get(afterLogin.location!);
    const allowed = await agent.post('/consent', {
      csrf_token: hiddenField(consent.text, 'csrf_token'),
      request: hiddenField(consent.text, 'request'),
      decision: 'allow',
    });
    return new URL(allowed.location!);
  }

  it('discovers the server, runs PKCE and the code exchange with iss checked, and reads userinfo', async () => {
    const issuer = new URL(t.baseUrl);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
    const client: oauth.Client = { client_id: registered.client_id };
    const clientAuth = oauth.ClientSecretBasic(registered.client_secret!);

    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const authorizationUrl = new URL(as.authorization_endpoint!);
    authorizationUrl.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid email',
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();

    const callback = await userAuthorizes(authorizationUrl);
    const params = oauth.validateAuthResponse(as, client, callback, state);

    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      params,
      REDIRECT,
      codeVerifier,
      insecure,
    );
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    expect(result.token_type).toBe('bearer');
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    expect(claims.iss).toBe(t.baseUrl);

    const info = await oauth.processUserInfoResponse(
      as,
      client,
      claims.sub,
      await oauth.userInfoRequest(as, client, result.access_token, insecure),
    );
    expect(info).toMatchObject({ sub: claims.sub, preferred_username: 'frank' });

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, clientAuth, result.refresh_token!, insecure),
    );
    expect(refreshed.access_token).toBeTruthy();
  });

  it('the library refuses an authorization response whose iss was changed (mix-up defence)', async () => {
    const issuer = new URL(t.baseUrl);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const callback = new URL(
      `${REDIRECT}?code=x&state=s&iss=${encodeURIComponent('https://other.example.com')}`,
    );
    expect(() =>
      oauth.validateAuthResponse(as, { client_id: registered.client_id }, callback, 's'),
    ).toThrow();
  });
});
