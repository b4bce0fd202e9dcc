import { BrowserAgent, hiddenField, type AgentResponse } from '../../support/browser-agent.js';
import type { Registered } from '../../support/flows.js';
import { pkcePair } from '../../support/pkce.js';
import type { SecurityApp } from './security-app.js';

export const CALLBACK = 'https://app.example.com/callback';

/**
 * A user's browser through the authorization endpoint, login and consent, to an
 * authorization code (RFC 6749 §4.1 with PKCE). The code and verifier go into the ledger:
 * the browser does not use the recording client.
 */
export async function authorizationCode(
  t: SecurityApp,
  client: Registered,
  user: { username: string; password: string },
  scope: string,
): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const agent = new BrowserAgent(t.baseUrl);
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: CALLBACK,
    scope,
    state: 'st',
    nonce: 'n-0S6_WzA2Mj',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  let next: AgentResponse = await agent.get(`/oauth/authorize?${query.toString()}`);
  const form = async (location: string, fields: Record<string, string>) => {
    const page = await agent.get(location);
    const path = location.startsWith('/login') ? '/login' : '/consent';
    return agent.post(path, {
      csrf_token: hiddenField(page.text, 'csrf_token'),
      request: hiddenField(page.text, 'request'),
      ...fields,
    });
  };
  if (next.location?.startsWith('/login')) next = await form(next.location, { ...user });
  if (next.location?.startsWith('/consent'))
    next = await form(next.location, { decision: 'allow' });
  const code = new URL(next.location ?? '', t.baseUrl).searchParams.get('code');
  if (!code) throw new Error(`no code: ${next.status} ${next.location} ${next.text}`);
  t.ledger.remember(code, verifier, user.password);
  return { code, verifier };
}
