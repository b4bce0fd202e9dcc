import { hiddenField } from '../support/browser-agent.js';
import type { Credentials, HttpResponse } from '../support/http-client.js';
import { adminAuth, createUser, registerClient, type Registered } from '../support/flows.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';
import { SourceAddressClient } from './support/source-address.js';

// RFC 6819 §4.4.3.6 / §5.1.4.2.3: online guessing of user passwords is throttled per account
// (across addresses) and per address (across accounts), at the password grant and at /login
// alike, and nothing in the answers tells an existing account from an unknown one.
const PER_ACCOUNT = 3;
const PER_ADDRESS = 6;
const LOCK_SECONDS = 600;
const PASSWORD = 'correct horse battery staple';

describe('user password brute force (RFC 6819 §4.4.3.6)', () => {
  let t: SecurityApp;
  let admin: Credentials;
  let client: Registered;
  let csrf: { cookie: string; token: string };
  const from = (address: string) => new SourceAddressClient(t, address);

  const grant = (address: string, username: string, password: string) =>
    from(address).form(
      '/oauth/token',
      { grant_type: 'password', username, password },
      { basic: [client.client_id, client.client_secret!] },
    );
  const login = (address: string, username: string, password: string) =>
    from(address).form('/login', { csrf_token: csrf.token, username, password }, undefined, {
      cookie: csrf.cookie,
    });
  const user = (username: string) => createUser(t, admin, { username, password: PASSWORD });
  const locked = async (key: string) =>
    (
      await t.db.query(`SELECT 1 FROM login_throttles WHERE key = $1 AND locked_until > now()`, [
        key,
      ])
    ).length === 1;
  const tokensIssued = async () =>
    (
      await t.db.query(
        `SELECT 1 FROM audit_events WHERE type = 'token.issued' AND client_id = $1`,
        [client.client_id],
      )
    ).length;
  const expectRetryAfter = (answer: HttpResponse<unknown>) => {
    const seconds = Number(answer.headers.get('retry-after'));
    expect(seconds).toBeGreaterThan(LOCK_SECONDS - 10);
    expect(seconds).toBeLessThanOrEqual(LOCK_SECONDS);
  };

  beforeAll(async () => {
    t = await startSecurityApp({
      env: {
        LOGIN_MAX_FAILURES_PER_ACCOUNT: String(PER_ACCOUNT),
        LOGIN_MAX_FAILURES_PER_IP: String(PER_ADDRESS),
        LOGIN_LOCK_SECONDS: String(LOCK_SECONDS),
        // The per-instance flood guard (@nestjs/throttler) is not what is tested here.
        LOGIN_RATE_LIMIT: '0',
      },
    });
    admin = await adminAuth(t);
    client = await registerClient(t, admin, { grant_types: ['password'], scope: 'notes:read' });
    const page = await from('127.0.0.1').request('GET', '/login');
    const cookie = page.headers.getSetCookie().find((line) => line.startsWith('portcullis_csrf='))!;
    csrf = { cookie: cookie.split(';')[0], token: hiddenField(page.text, 'csrf_token') };
  });
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  it('locks an account after failures from several addresses, at the grant and /login together, and refuses the right password during the lock', async () => {
    await user('alice');
    expect((await grant('127.0.0.2', 'alice', 'guess-one')).status).toBe(400);
    expect((await login('127.0.0.3', 'alice', 'guess-two')).status).toBe(401);
    expect((await grant('127.0.0.4', 'alice', 'guess-three')).status).toBe(400);
    expect(await locked('account:alice')).toBe(true);

    const byGrant = await grant('127.0.0.5', 'alice', PASSWORD);
    expect(byGrant.status).toBe(429);
    expect(byGrant.body).toMatchObject({ error: 'too_many_requests' });
    expectRetryAfter(byGrant);
    const byPage = await login('127.0.0.5', 'ALICE', PASSWORD);
    expect(byPage.status).toBe(429);
    expectRetryAfter(byPage);
    expect(byPage.text).toContain('Too many failed attempts');
    expect(byPage.headers.getSetCookie().join()).not.toContain('portcullis_session');
    expect(await tokensIssued()).toBe(0);
    expect(await t.db.query(`SELECT 1 FROM sessions`)).toEqual([]);
  });

  it('locks an address that guesses across accounts, at the grant, for every account and no other address', async () => {
    await user('bob');
    const accounts = ['bob', 'u-grant-1', 'u-grant-2', 'u-grant-3', 'u-grant-4', 'u-grant-5'];
    for (const username of accounts.slice(0, PER_ADDRESS))
      expect((await grant('127.0.0.6', username, 'spray-guess')).status).toBe(400);
    expect(await locked('ip:127.0.0.6')).toBe(true);
    const refused = await grant('127.0.0.6', 'bob', PASSWORD);
    expect(refused.status).toBe(429);
    expectRetryAfter(refused);
    expect(await tokensIssued()).toBe(0);
    // One failure on bob is under the account limit: bob from elsewhere is unaffected.
    expect((await grant('127.0.0.7', 'bob', PASSWORD)).status).toBe(200);
  });

  it('locks an address that guesses across accounts, at /login, and refuses the right password there', async () => {
    await user('carol');
    const accounts = ['carol', 'u-page-1', 'u-page-2', 'u-page-3', 'u-page-4', 'u-page-5'];
    for (const username of accounts.slice(0, PER_ADDRESS))
      expect((await login('127.0.0.8', username, 'spray-guess')).status).toBe(401);
    const refused = await login('127.0.0.8', 'carol', PASSWORD);
    expect(refused.status).toBe(429);
    expectRetryAfter(refused);
    expect(refused.headers.getSetCookie().join()).not.toContain('portcullis_session');
    const elsewhere = await login('127.0.0.9', 'carol', PASSWORD);
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.getSetCookie().join()).toContain('portcullis_session=');
  });

  /** Status, body and headers, minus what differs by the clock or by the name typed. */
  const comparable = (answer: HttpResponse<unknown>, username: string) => ({
    status: answer.status,
    body: answer.text
      .split(username)
      .join('<username>')
      .replace(/\d+ seconds/, 'N seconds'),
    headers: [...answer.headers]
      .filter(([name]) => !['date', 'retry-after', 'content-length'].includes(name))
      .map(([name, value]) => `${name}: ${value}`),
  });
  const sequence = async (
    attempt: (
      address: string,
      username: string,
      password: string,
    ) => Promise<HttpResponse<unknown>>,
    username: string,
    addresses: string[],
  ) => {
    const answers = [];
    for (const address of addresses)
      answers.push(await attempt(address, username, 'not-it-at-all'));
    // The right password of the real account, and any password for the unknown one.
    answers.push(await attempt(addresses[0], username, PASSWORD));
    return answers.map((answer) => comparable(answer, username));
  };

  it('answers an unknown username exactly like a wrong password at the grant, before and during a lock', async () => {
    await user('dora');
    const known = await sequence(grant, 'dora', ['127.0.0.10', '127.0.0.11', '127.0.0.12']);
    expect(known.map((answer) => answer.status)).toEqual([400, 400, 400, 429]);
    expect(known[0].body).toBe(
      JSON.stringify({ error: 'invalid_grant', error_description: 'invalid username or password' }),
    );
    const unknown = await sequence(grant, 'nobody-dora', [
      '127.0.0.13',
      '127.0.0.14',
      '127.0.0.15',
    ]);
    expect(unknown).toEqual(known);
  });

  it('answers an unknown username exactly like a wrong password at /login, before and during a lock', async () => {
    await user('emil');
    const known = await sequence(login, 'emil', ['127.0.0.16', '127.0.0.17', '127.0.0.18']);
    expect(known.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
    expect(known[0].body).toContain('Incorrect username or password.');
    const unknown = await sequence(login, 'nobody-emil', [
      '127.0.0.19',
      '127.0.0.20',
      '127.0.0.21',
    ]);
    expect(unknown).toEqual(known);
  });
});
