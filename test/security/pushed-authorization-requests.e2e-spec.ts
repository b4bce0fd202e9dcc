import type { Credentials } from '../support/http-client.js';
import { adminAuth, basic, createUser, registerClient, type Registered } from '../support/flows.js';
import { pkcePair } from '../support/pkce.js';
import { AuthorizationDriver, CALLBACK, PASSWORD } from './support/authorization-driver.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

// RFC 9126 §7.1–7.3: a request_uri is a short-lived, single-use reference bound to its
// client; whoever reads it from a log or a browser's history gains nothing once it is used.
describe('pushed authorization requests under attack', () => {
  let t: SecurityApp;
  let drive: AuthorizationDriver;
  let admin: Credentials;
  let web: Registered;
  let thief: Registered;

  beforeAll(async () => {
    t = await startSecurityApp();
    drive = new AuthorizationDriver(t);
    admin = await adminAuth(t);
    const metadata = { redirect_uris: [CALLBACK], scope: 'openid notes:read' };
    web = await registerClient(t, admin, { client_name: 'Notes Web', ...metadata });
    thief = await registerClient(t, admin, { client_name: 'Thief', ...metadata });
    await createUser(t, admin, { username: 'kim', password: PASSWORD });
  });
  afterAll(async () => {
    try {
      await t.expectNoSecretInLogs();
    } finally {
      await t.close();
    }
  });

  const push = (client: Registered) =>
    t.http.form<{ request_uri: string }>(
      '/oauth/par',
      {
        response_type: 'code',
        redirect_uri: CALLBACK,
        scope: 'notes:read',
        state: 'pushed',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      },
      basic(client),
    );
  const authorizePath = (clientId: string, requestUri: string) =>
    `/oauth/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri }).toString()}`;

  it('a request_uri seen by another client or browser after its use opens nothing', async () => {
    const pushed = await push(web);
    expect(pushed.status).toBe(201);
    const requestUri = pushed.body.request_uri;
    // A URL carries it percent-encoded: its random part is what a log would show.
    t.ledger.remember(requestUri.split(':').pop());

    // Another client presenting it (say, read from a log) is refused, and takes nothing.
    const stolen = await drive.browser().get(authorizePath(thief.client_id, requestUri));
    expect(stolen.status).toBe(400);
    expect(stolen.location).toBeUndefined();

    const user = drive.browser();
    const start = await user.get(authorizePath(web.client_id, requestUri));
    expect(start.status).toBe(302);
    expect(start.location).toMatch(/^\/login\?request=/);

    // Once taken, neither the user's browser nor another gets a second request from it.
    for (const browser of [user, drive.browser()]) {
      const again = await browser.get(authorizePath(web.client_id, requestUri));
      expect(again.status).toBe(400);
      expect(again.location).toBeUndefined();
    }
    const rows = await t.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM authorization_requests WHERE client_id = $1',
      [web.client_id],
    );
    expect(rows[0].n).toBe('1');
  });
});
