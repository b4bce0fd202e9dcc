import { hiddenField, type AgentResponse } from '../../support/browser-agent.js';
import { basic, token, type Registered } from '../../support/flows.js';
import { pkcePair } from '../../support/pkce.js';
import { RecordingBrowser } from './recording-browser.js';
import type { SecurityApp } from './security-app.js';

export const PASSWORD = 'correct horse battery staple';
export const CALLBACK = 'https://app.example.com/callback';

/**
 * Drives the browser side of the authorization code flow against a security app: the
 * authorize URL, the login and consent forms, and the token exchange, every credential
 * going through the app's secret ledger.
 */
export class AuthorizationDriver {
  constructor(private readonly t: SecurityApp) {}

  browser(): RecordingBrowser {
    return new RecordingBrowser(this.t.baseUrl, this.t.ledger);
  }

  authorizeUrl(client: Registered | string, params: Record<string, string> = {}): string {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: typeof client === 'string' ? client : client.client_id,
      redirect_uri: CALLBACK,
      state: 'st-123',
      ...params,
    });
    return `/oauth/authorize?${query.toString()}`;
  }

  /** An authorize URL with a fresh S256 challenge; the verifier comes back with it. */
  pkceAuthorizeUrl(client: Registered, params: Record<string, string> = {}) {
    const { verifier, challenge } = pkcePair();
    const url = this.authorizeUrl(client, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...params,
    });
    return { url, verifier };
  }

  /** Fills the login form of a page; returns where the browser goes next. */
  async signIn(agent: RecordingBrowser, loginLocation: string, username: string) {
    const page = await agent.get(loginLocation);
    expect(page.status).toBe(200);
    const fields: Record<string, string> = {
      csrf_token: hiddenField(page.text, 'csrf_token'),
      username,
      password: PASSWORD,
    };
    if (page.text.includes('name="request"')) fields.request = hiddenField(page.text, 'request');
    return agent.post('/login', fields);
  }

  /** Answers the consent page, with any extra (tampered) fields. */
  async decide(
    agent: RecordingBrowser,
    consentLocation: string,
    decision: 'allow' | 'deny',
    extra: Record<string, string> = {},
  ) {
    const page = await agent.get(consentLocation);
    expect(page.status).toBe(200);
    return agent.post('/consent', {
      csrf_token: hiddenField(page.text, 'csrf_token'),
      request: hiddenField(page.text, 'request'),
      decision,
      ...extra,
    });
  }

  /** Follows an authorize URL through login and consent (allowing) to the client's redirect. */
  async complete(agent: RecordingBrowser, authorizeUrl: string, username: string): Promise<URL> {
    let next: AgentResponse = await agent.get(authorizeUrl);
    expect(next.status).toBe(302);
    if (next.location!.startsWith('/login'))
      next = await this.signIn(agent, next.location!, username);
    if (next.location!.startsWith('/consent'))
      next = await this.decide(agent, next.location!, 'allow');
    return new URL(next.location!);
  }

  /** A code for `client` with S256 PKCE, through a fresh browser unless one is given. */
  async codeFor(
    client: Registered,
    username: string,
    params: Record<string, string> = {},
    agent = this.browser(),
  ) {
    const { url, verifier } = this.pkceAuthorizeUrl(client, params);
    const redirect = await this.complete(agent, url, username);
    const code = redirect.searchParams.get('code');
    if (!code) throw new Error(`no code in ${redirect.toString()}`);
    return { code, verifier, agent, redirect };
  }

  /** Redeems a code as `client`: Basic for a confidential client, client_id for a public one. */
  exchange(client: Registered, code: string, extra: Record<string, string> = {}) {
    const identity: Record<string, string> = client.client_secret
      ? {}
      : { client_id: client.client_id };
    return token(
      this.t,
      { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, ...identity, ...extra },
      client.client_secret ? basic(client) : undefined,
    );
  }
}
