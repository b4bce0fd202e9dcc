import { BrowserAgent, type AgentResponse } from '../../support/browser-agent.js';
import type { SecretLedger } from './security-app.js';

/** The server's session cookie: its value is a credential like any other. */
export const SESSION_COOKIE_NAME = 'portcullis_session';

/**
 * A BrowserAgent that writes every credential it sends or receives into the attack suite's
 * ledger: passwords in form posts, codes and tokens in `Location`, the session cookie.
 */
export class RecordingBrowser extends BrowserAgent {
  constructor(
    baseUrl: string,
    private readonly ledger: SecretLedger,
  ) {
    super(baseUrl);
  }

  override async send(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<AgentResponse> {
    if (body) this.ledger.rememberParams(new URLSearchParams(body));
    this.ledger.rememberParams(new URL(path, this.baseUrl).searchParams);
    const response = await super.send(method, path, body, headers);
    const session = this.cookies.get(SESSION_COOKIE_NAME);
    // Signed as value.signature: the value alone is the secret part.
    this.ledger.remember(session, session?.split('.')[0]);
    if (response.location) {
      const url = new URL(response.location, this.baseUrl);
      this.ledger.rememberParams(url.searchParams);
      this.ledger.rememberParams(new URLSearchParams(url.hash.slice(1)));
    }
    return response;
  }
}
