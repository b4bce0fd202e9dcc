import { createHash, randomBytes } from 'node:crypto';
import { BrowserAgent, hiddenField } from '../../support/browser-agent.js';
import {
  adminAuth,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../../support/flows.js';
import { basicAuth } from '../../support/http-client.js';
import type { TestApp } from '../../support/test-app.js';

export const PASSWORD = 'fuzz correct horse battery';
export const REDIRECT_URI = 'https://app.example.com/cb';
export const PUBLIC_REDIRECT_URI = 'https://spa.example.com/cb';
export const PKCE_VERIFIER = randomBytes(32).toString('base64url');
export const PKCE_CHALLENGE = createHash('sha256').update(PKCE_VERIFIER).digest('base64url');

/** Real clients, a user, tokens and a browser session, so fuzzed requests get past the door. */
export interface FuzzFixture {
  adminBearer: string;
  confidential: Registered;
  postClient: Registered;
  publicClient: Registered;
  /** A client and a user the admin fuzzing may change or delete. */
  victimClient: Registered;
  victimUserId: string;
  userId: string;
  clientIds: string[];
  secrets: string[];
  /** Authorization headers that authenticate (Basic) or authorize (Bearer). */
  validAuthorization: string[];
  /** `name=value` cookies of a signed-in browser, and the CSRF token its forms carry. */
  csrfCookie: string;
  sessionCookie: string;
  csrfToken: string;
  /** Ids of stored authorization requests waiting for login or consent. */
  pendingRequests: string[];
  redirectUris: string[];
}

export async function createFuzzFixture(t: TestApp): Promise<FuzzFixture> {
  const admin = await adminAuth(t);
  const confidential = await registerClient(t, admin, {
    client_name: 'fuzz confidential',
    grant_types: ['client_credentials', 'password', 'refresh_token', 'authorization_code'],
    redirect_uris: [REDIRECT_URI],
    scope: 'read write openid email account',
  });
  const postClient = await registerClient(t, admin, {
    client_name: 'fuzz post',
    grant_types: ['client_credentials'],
    scope: 'read',
    token_endpoint_auth_method: 'client_secret_post',
  });
  const publicClient = await registerClient(t, admin, {
    client_name: 'fuzz public',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [PUBLIC_REDIRECT_URI],
    scope: 'read openid',
  });
  const victimClient = await registerClient(t, admin, {
    client_name: 'fuzz victim',
    grant_types: ['client_credentials'],
  });
  const user = await createUser(t, admin, { username: 'alice', password: PASSWORD });
  const victim = await createUser(t, admin, { username: 'victim', password: PASSWORD });

  const clientToken = await t.http.clientToken(
    confidential.client_id,
    confidential.client_secret!,
    'read',
  );
  const userToken = await token(
    t,
    {
      grant_type: 'password',
      username: 'alice',
      password: PASSWORD,
      scope: 'openid email account',
    },
    { basic: [confidential.client_id, confidential.client_secret!] },
  );
  if (userToken.status !== 200) throw new Error(`password grant failed: ${userToken.text}`);

  const browser = new BrowserAgent(t.baseUrl);
  const loginPage = await browser.get('/login');
  const csrfToken = hiddenField(loginPage.text, 'csrf_token');
  const signedIn = await browser.post('/login', {
    csrf_token: csrfToken,
    username: 'alice',
    password: PASSWORD,
  });
  if (signedIn.status !== 303) throw new Error(`login failed: ${signedIn.status}`);
  const pendingRequests: string[] = [];
  for (let i = 0; i < 3; i++) {
    const query = new URLSearchParams({
      client_id: publicClient.client_id,
      response_type: 'code',
      redirect_uri: PUBLIC_REDIRECT_URI,
      code_challenge: PKCE_CHALLENGE,
      code_challenge_method: 'S256',
      state: `s${i}`,
    });
    const answer = await browser.get(`/oauth/authorize?${query.toString()}`);
    const id = new URL(answer.location ?? '/', t.baseUrl).searchParams.get('request');
    if (!id) throw new Error(`authorize did not ask for consent: ${answer.location}`);
    pendingRequests.push(id);
  }

  const adminBearer = `Bearer ${(admin as { bearer: string }).bearer}`;
  return {
    adminBearer,
    confidential,
    postClient,
    publicClient,
    victimClient,
    victimUserId: victim.id,
    userId: user.id,
    clientIds: [confidential, postClient, publicClient, victimClient].map((c) => c.client_id),
    secrets: [confidential.client_secret!, postClient.client_secret!],
    validAuthorization: [
      basicAuth(confidential.client_id, confidential.client_secret!),
      basicAuth(postClient.client_id, postClient.client_secret!),
      `Bearer ${clientToken}`,
      `Bearer ${userToken.body.access_token!}`,
    ],
    csrfCookie: `portcullis_csrf=${browser.cookies.get('portcullis_csrf')!}`,
    sessionCookie: `portcullis_session=${browser.cookies.get('portcullis_session')!}`,
    csrfToken,
    pendingRequests,
    redirectUris: [REDIRECT_URI, PUBLIC_REDIRECT_URI],
  };
}
