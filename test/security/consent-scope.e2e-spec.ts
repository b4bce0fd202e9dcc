import type { Credentials } from '../support/http-client.js';
import { hiddenField } from '../support/browser-agent.js';
import { adminAuth, createUser, registerClient, type Registered } from '../support/flows.js';
import { AuthorizationDriver, CALLBACK, PASSWORD } from './support/authorization-driver.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

// RFC 6749 §3.3 and §10.2, RFC 6819 §4.4.1.4 and §5.2.3.2 (scope escalation): a client gets
// no scope the user did not consent to on a page of this server, and none beyond its
// registration; the consent form says yes or no to the stored request, nothing more.
describe('scope escalation through consent', () => {
  let t: SecurityApp;
  let drive: AuthorizationDriver;
  let admin: Credentials;
  let web: Registered;
  let sibling: Registered; // another client, the same scopes
  let users: Record<string, { id: string }>;

  const consentOf = async (userId: string, client: Registered): Promise<string | undefined> =>
    (
      await t.db.query<{ scope: string }>(
        'SELECT scope FROM consents WHERE user_id = $1 AND client_id = $2',
        [userId, client.client_id],
      )
    )[0]?.scope;

  /** Consents `username` to `scope` for `client`, returning the signed-in browser. */
  async function consented(username: string, client: Registered, scope: string) {
    const result = await drive.codeFor(client, username, { scope });
    return result.agent;
  }

  beforeAll(async () => {
    t = await startSecurityApp();
    drive = new AuthorizationDriver(t);
    admin = await adminAuth(t);
    const common = { redirect_uris: [CALLBACK], scope: 'openid notes:read notes:write' };
    web = await registerClient(t, admin, { ...common, client_name: 'Notes Web' });
    sibling = await registerClient(t, admin, { ...common, client_name: 'Sibling' });
    users = {};
    for (const username of ['kim', 'leo', 'max', 'nia', 'oscar', 'pat', 'quinn']) {
      users[username] = await createUser(t, admin, { username, password: PASSWORD });
    }
  });
  afterAll(async () => {
    try {
      await t.expectNoSecretInLogs();
    } finally {
      await t.close();
    }
  });

  it('consent to A, then a request for A+B shows the consent page again, listing B', async () => {
    const agent = await consented('kim', web, 'notes:read');
    const codes = await t.db.query('SELECT digest FROM authorization_codes');
    const more = await agent.get(
      drive.pkceAuthorizeUrl(web, { scope: 'notes:read notes:write' }).url,
    );
    expect(more.status).toBe(302);
    expect(more.location).toMatch(/^\/consent\?request=/);
    expect(await t.db.query('SELECT digest FROM authorization_codes')).toEqual(codes);
    const page = await agent.get(more.location!);
    expect(page.text).toContain('notes:write');
    expect(await consentOf(users.kim.id, web)).toBe('notes:read');

    const allowed = await drive.decide(agent, more.location!, 'allow');
    expect(new URL(allowed.location!).searchParams.get('code')).toBeTruthy();
    expect((await consentOf(users.kim.id, web))!.split(' ').sort()).toEqual([
      'notes:read',
      'notes:write',
    ]);
  });

  it('consent to A, then prompt=none for A+B is consent_required, not a code', async () => {
    const agent = await consented('leo', web, 'notes:read');
    const res = await agent.get(
      drive.pkceAuthorizeUrl(web, { scope: 'notes:read notes:write', prompt: 'none' }).url,
    );
    const answer = new URL(res.location!).searchParams;
    expect(answer.get('error')).toBe('consent_required');
    expect(answer.get('code')).toBeNull();
  });

  it('a consent form tampered to add scopes grants only what the request asked', async () => {
    const agent = drive.browser();
    const { url, verifier } = drive.pkceAuthorizeUrl(web, { scope: 'notes:read' });
    const start = await agent.get(url);
    const consent = await drive.signIn(agent, start.location!, 'max');
    const allowed = await drive.decide(agent, consent.location!, 'allow', {
      scope: 'notes:read notes:write openid admin',
      'scope[]': 'notes:write',
      client_id: sibling.client_id,
      redirect_uri: 'https://evil.example/callback',
    });
    const redirect = new URL(allowed.location!);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(CALLBACK);
    expect(await consentOf(users.max.id, web)).toBe('notes:read');
    expect(await consentOf(users.max.id, sibling)).toBeUndefined();
    const tokens = await drive.exchange(web, redirect.searchParams.get('code')!, {
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe('notes:read');
  });

  it('the token request cannot widen the scope of a code', async () => {
    const agent = drive.browser();
    const { code, verifier } = await drive.codeFor(web, 'oscar', { scope: 'notes:read' }, agent);
    const tokens = await drive.exchange(web, code, {
      code_verifier: verifier,
      scope: 'notes:read notes:write openid',
    });
    // scope is no parameter of this grant (RFC 6749 §4.1.3): ignored, the code decides.
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe('notes:read');
  });

  it("a consent to a client does not cover another client's request", async () => {
    const agent = await consented('kim', web, 'notes:read');
    const res = await agent.get(drive.pkceAuthorizeUrl(sibling, { scope: 'notes:read' }).url);
    expect(res.location).toMatch(/^\/consent\?request=/);
  });

  it("one user's consent does not cover another user", async () => {
    await consented('leo', sibling, 'notes:write');
    const agent = drive.browser();
    const start = await agent.get(drive.pkceAuthorizeUrl(sibling, { scope: 'notes:write' }).url);
    const next = await drive.signIn(agent, start.location!, 'oscar');
    expect(next.location).toMatch(/^\/consent\?request=/);
  });

  it('a denied consent records nothing', async () => {
    const agent = drive.browser();
    const start = await agent.get(drive.pkceAuthorizeUrl(sibling, { scope: 'notes:read' }).url);
    const consent = await drive.signIn(agent, start.location!, 'max');
    await drive.decide(agent, consent.location!, 'deny');
    expect(await consentOf(users.max.id, sibling)).toBeUndefined();
  });

  it.each([
    ['a scope the client did not register', 'notes:read admin'],
    ['a scope differing only in case', 'NOTES:READ'],
    ['a scope with a prefix of a registered one', 'notes'],
    ['a scope extending a registered one', 'notes:read:all'],
  ])('%s is invalid_scope, and nothing is stored', async (_name, scope) => {
    const agent = await consented('nia', web, 'notes:read');
    const before = await t.db.query('SELECT id FROM authorization_requests');
    const res = await agent.get(drive.pkceAuthorizeUrl(web, { scope }).url);
    const answer = new URL(res.location!).searchParams;
    expect(answer.get('error')).toBe('invalid_scope');
    expect(answer.get('code')).toBeNull();
    expect(await t.db.query('SELECT id FROM authorization_requests')).toEqual(before);
    expect(await consentOf(users.nia.id, web)).toBe('notes:read');
  });
  it('an authorization request started in one browser cannot be signed in or consented to in another', async () => {
    // The attacker starts a request (its PKCE and state) and hands the victim its id.
    const attacker = drive.browser();
    const started = await attacker.get(drive.pkceAuthorizeUrl(web, { scope: 'notes:read' }).url);
    expect(started.location).toMatch(/^\/login\?request=/);
    const requestId = new URL(started.location!, t.baseUrl).searchParams.get('request')!;
    const codes = await t.db.query('SELECT digest FROM authorization_codes');

    // The victim, signed in in her own browser, opens the attacker's consent and login links.
    const victim = drive.browser();
    await drive.codeFor(web, 'pat', { scope: 'openid' }, victim);
    const consent = await victim.get(`/consent?request=${requestId}`);
    expect(consent.status).toBe(400);
    expect(consent.text).not.toContain('name="decision"');
    const login = await victim.get(`/login?request=${requestId}`);
    expect(login.text).not.toContain(`value="${requestId}"`);
    // Nor can she be made to post the decision: the request is not hers.
    const page = await victim.get(`/account/consents`);
    const posted = await victim.post('/consent', {
      csrf_token: hiddenField(page.text, 'csrf_token'),
      request: requestId,
      decision: 'allow',
    });
    expect(posted.status).toBe(400);
    expect(posted.location).toBeUndefined();
    expect(await t.db.query('SELECT digest FROM authorization_codes')).toHaveLength(
      codes.length + 1, // the victim's own code above, nothing for the attacker's request
    );
    expect(await consentOf(users.pat.id, web)).toBe('openid');

    // In the browser that started it, the same request goes on as usual.
    const next = await drive.signIn(attacker, started.location!, 'quinn');
    expect(next.location).toMatch(/^\/consent\?request=/);
  });
});
