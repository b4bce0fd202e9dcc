import type { HttpResponse } from '../support/http-client.js';
import { runToExit } from '../support/server-process.js';
import { adminAuth, createUser, registerClient, type Registered } from '../support/flows.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';
import { SourceAddressClient } from './support/source-address.js';

// The per-address limits count the client's address: the socket's, unless TRUST_PROXY names
// the proxies allowed to report it in X-Forwarded-For. Without it, a forged header must not
// let one client pass for many; with it, the proxy's own address must not lump every client
// together.
const PASSWORD = 'correct horse battery staple';
const LIMIT = 3;

async function startWith(trustProxy?: string) {
  const t = await startSecurityApp({
    env: {
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '100',
      LOGIN_MAX_FAILURES_PER_IP: String(LIMIT),
      CLIENT_AUTH_MAX_FAILURES: '100',
      CLIENT_AUTH_MAX_FAILURES_PER_IP: String(LIMIT),
      LOGIN_RATE_LIMIT: '0',
      ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }),
    },
  });
  const admin = await adminAuth(t);
  const client = await registerClient(t, admin, {
    grant_types: ['password', 'client_credentials'],
    scope: 'notes:read',
  });
  await createUser(t, admin, { username: 'walt', password: PASSWORD });
  return { t, client };
}

/** Password-grant and client-authentication attempts from one socket address. */
function attempts(t: SecurityApp, client: Registered, socketAddress: string) {
  const from = new SourceAddressClient(t, socketAddress);
  const auth = (secret = client.client_secret!) => ({
    basic: [client.client_id, secret] as [string, string],
  });
  return {
    password: (forwardedFor: string | undefined, password: string) =>
      from.form(
        '/oauth/token',
        { grant_type: 'password', username: 'walt', password },
        auth(),
        forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
      ),
    clientSecret: (forwardedFor: string | undefined, secret?: string) =>
      from.form(
        '/oauth/token',
        { grant_type: 'client_credentials' },
        auth(secret),
        forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
      ),
  };
}

const statuses = (answers: HttpResponse<unknown>[]) => answers.map((answer) => answer.status);

describe('per-address limits without TRUST_PROXY', () => {
  let t: SecurityApp;
  let client: Registered;
  beforeAll(async () => ({ t, client } = await startWith()));
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  it('ignores X-Forwarded-For: a new forged address per password guess does not dodge the limit', async () => {
    const at = attempts(t, client, '127.0.0.2');
    const answers = [];
    for (let i = 1; i <= LIMIT; i++)
      answers.push(await at.password(`203.0.113.${i}`, `guess-${i}`));
    answers.push(await at.password('203.0.113.99', PASSWORD));
    expect(statuses(answers)).toEqual([400, 400, 400, 429]);
    expect(await t.db.query(`SELECT key FROM login_throttles WHERE key LIKE 'ip:%'`)).toEqual([
      { key: 'ip:127.0.0.2' },
    ]);
    const audited = await t.db.query<{ ip: string }>(
      `SELECT DISTINCT ip FROM audit_events WHERE type IN ('login.failed', 'login.locked')`,
    );
    expect(audited).toEqual([{ ip: '127.0.0.2' }]);
  });

  it('ignores X-Forwarded-For for client authentication too', async () => {
    const at = attempts(t, client, '127.0.0.3');
    const answers = [];
    for (let i = 1; i <= LIMIT; i++)
      answers.push(await at.clientSecret(`198.51.100.${i}`, `wrong-secret-${i}`));
    answers.push(await at.clientSecret('198.51.100.99'));
    expect(statuses(answers)).toEqual([401, 401, 401, 429]);
    expect(
      await t.db.query(`SELECT key FROM login_throttles WHERE key LIKE 'client-ip:%'`),
    ).toEqual([{ key: 'client-ip:127.0.0.3' }]);
  });
});

describe('per-address limits with TRUST_PROXY=127.0.0.1', () => {
  let t: SecurityApp;
  let client: Registered;
  beforeAll(async () => ({ t, client } = await startWith('127.0.0.1')));
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  it('counts the forwarded address behind the trusted proxy, so other clients of the proxy go on', async () => {
    const proxy = attempts(t, client, '127.0.0.1');
    const answers = [];
    for (let i = 1; i <= LIMIT; i++)
      answers.push(await proxy.password('203.0.113.7', `guess-${i}`));
    answers.push(await proxy.password('203.0.113.7', PASSWORD));
    expect(statuses(answers)).toEqual([400, 400, 400, 429]);
    expect((await proxy.password('203.0.113.8', PASSWORD)).status).toBe(200);
    expect(await t.db.query(`SELECT key FROM login_throttles WHERE key LIKE 'ip:%'`)).toEqual([
      { key: 'ip:203.0.113.7' },
    ]);
    const audited = await t.db.query<{ ip: string }>(
      `SELECT DISTINCT ip FROM audit_events WHERE type = 'login.failed'`,
    );
    expect(audited).toEqual([{ ip: '203.0.113.7' }]);
  });

  it('takes the address the trusted proxy saw, not the ones a client wrote before it', async () => {
    const proxy = attempts(t, client, '127.0.0.1');
    for (let i = 1; i <= LIMIT; i++) {
      // The client forges a leading entry; the proxy appends the address it saw.
      const answer = await proxy.clientSecret(`10.0.0.${i}, 198.51.100.5`, `wrong-secret-${i}`);
      expect(answer.status).toBe(401);
    }
    expect((await proxy.clientSecret('10.0.0.99, 198.51.100.5')).status).toBe(429);
    expect((await proxy.clientSecret('198.51.100.6')).status).toBe(200);
    expect(
      await t.db.query(`SELECT key FROM login_throttles WHERE key LIKE 'client-ip:%'`),
    ).toEqual([{ key: 'client-ip:198.51.100.5' }]);
  });

  it('does not believe X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const stranger = attempts(t, client, '127.0.0.4');
    const answers = [];
    for (let i = 1; i <= LIMIT; i++)
      answers.push(await stranger.password(`192.0.2.${i}`, `guess-${i}`));
    answers.push(await stranger.password('192.0.2.99', PASSWORD));
    expect(statuses(answers)).toEqual([400, 400, 400, 429]);
    expect(
      await t.db.query(
        `SELECT 1 FROM login_throttles WHERE key = 'ip:127.0.0.4' AND locked_until > now()`,
      ),
    ).toHaveLength(1);
  });
});

describe('per-address limits with TRUST_PROXY as a hop count', () => {
  it('TRUST_PROXY=1 counts the address the one proxy in front reports', async () => {
    const { t, client } = await startWith('1');
    try {
      const proxy = attempts(t, client, '127.0.0.5');
      for (let i = 1; i <= LIMIT; i++)
        expect((await proxy.password(`10.1.1.1, 203.0.113.50`, `guess-${i}`)).status).toBe(400);
      expect((await proxy.password('203.0.113.50', PASSWORD)).status).toBe(429);
      expect((await proxy.password('203.0.113.51', PASSWORD)).status).toBe(200);
      expect(await t.db.query(`SELECT key FROM login_throttles WHERE key LIKE 'ip:%'`)).toEqual([
        { key: 'ip:203.0.113.50' },
      ]);
      await t.expectNoSecretInLogs();
    } finally {
      await t.close();
    }
  });

  it('refuses to boot with TRUST_PROXY=true, naming the variable', async () => {
    const result = await runToExit({ TRUST_PROXY: 'true' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('configuration error: TRUST_PROXY must be false, a hop count');
  });
});
