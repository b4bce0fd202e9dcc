import type { Credentials } from '../support/http-client.js';
import { adminAuth, registerClient, type Registered } from '../support/flows.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';
import { SourceAddressClient } from './support/source-address.js';

// RFC 6819 §4.3.2 / §5.2.3.7: online guessing of a client secret is throttled. Failures count
// per client_id and address (limit 3 here) and per address across clients (limit 6); a lock
// refuses every authentication it covers with 429 and Retry-After, the right secret included.
const PER_CLIENT = 3;
const PER_ADDRESS = 6;
const LOCK_SECONDS = 600;

describe('client secret brute force (RFC 6819 §4.3.2)', () => {
  let t: SecurityApp;
  let admin: Credentials;
  const from = (address: string) => new SourceAddressClient(t, address);
  const wrong = (client: Registered): Credentials => ({
    basic: [client.client_id, `wrong-${Math.random().toString(36).slice(2)}-guess`],
  });
  const right = (client: Registered): Credentials => ({
    basic: [client.client_id, client.client_secret!],
  });
  const newClient = () =>
    registerClient(t, admin, { grant_types: ['client_credentials'], scope: 'notes:read' });
  const clientCredentials = (address: string, auth: Credentials) =>
    from(address).form('/oauth/token', { grant_type: 'client_credentials' }, auth);
  const issuedTo = async (client: Registered) =>
    (
      await t.db.query(
        `SELECT 1 FROM audit_events WHERE type = 'token.issued' AND client_id = $1`,
        [client.client_id],
      )
    ).length;

  beforeAll(async () => {
    t = await startSecurityApp({
      env: {
        CLIENT_AUTH_MAX_FAILURES: String(PER_CLIENT),
        CLIENT_AUTH_MAX_FAILURES_PER_IP: String(PER_ADDRESS),
        CLIENT_AUTH_LOCK_SECONDS: String(LOCK_SECONDS),
      },
    });
    admin = await adminAuth(t);
  });
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  it('locks a client at an address after repeated wrong secrets at /oauth/token, and then refuses the right secret too', async () => {
    const client = await newClient();
    for (let i = 0; i < PER_CLIENT; i++) {
      const failed = await clientCredentials('127.0.0.2', wrong(client));
      expect(failed.status).toBe(401);
      expect(failed.body).toMatchObject({ error: 'invalid_client' });
    }
    const locked = await clientCredentials('127.0.0.2', right(client));
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ error: 'too_many_requests' });
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(LOCK_SECONDS - 10);
    expect(retryAfter).toBeLessThanOrEqual(LOCK_SECONDS);
    expect(locked.headers.get('cache-control')).toBe('no-store');
    expect(await issuedTo(client)).toBe(0);
    // Counted in the database (every instance sees it), and audited once.
    expect(
      await t.db.query(
        `SELECT failures FROM login_throttles WHERE key = $1 AND locked_until > now()`,
        [`client:127.0.0.2 ${client.client_id}`],
      ),
    ).toEqual([{ failures: PER_CLIENT }]);
    expect(
      await t.db.query(
        `SELECT ip, details->>'key' AS key FROM audit_events WHERE type = 'client.locked' AND client_id = $1`,
        [client.client_id],
      ),
    ).toEqual([{ ip: '127.0.0.2', key: 'client' }]);
    // Further guesses during the lock are not even checked.
    expect((await clientCredentials('127.0.0.2', wrong(client))).status).toBe(429);
  });

  it('counts failures at /oauth/introspect and /oauth/revoke too, and the lock holds at all three', async () => {
    const client = await newClient();
    const token = { token: 'not-a-token-at-all' };
    expect((await from('127.0.0.3').form('/oauth/introspect', token, wrong(client))).status).toBe(
      401,
    );
    expect((await from('127.0.0.3').form('/oauth/revoke', token, wrong(client))).status).toBe(401);
    expect((await from('127.0.0.3').form('/oauth/introspect', token, wrong(client))).status).toBe(
      401,
    );
    for (const path of ['/oauth/introspect', '/oauth/revoke']) {
      const locked = await from('127.0.0.3').form(path, token, right(client));
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ error: 'too_many_requests' });
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await clientCredentials('127.0.0.3', right(client))).status).toBe(429);
    expect(await issuedTo(client)).toBe(0);
  });

  it('locks the client at that address only: the same client elsewhere and another client there still work', async () => {
    const client = await newClient();
    const neighbour = await newClient();
    for (let i = 0; i < PER_CLIENT; i++)
      expect((await clientCredentials('127.0.0.4', wrong(client))).status).toBe(401);
    expect((await clientCredentials('127.0.0.4', right(client))).status).toBe(429);
    // A client_id is public: a lock for everyone would let anyone shut a client out.
    expect((await clientCredentials('127.0.0.5', right(client))).status).toBe(200);
    expect((await clientCredentials('127.0.0.4', right(neighbour))).status).toBe(200);
  });

  it('locks an address that guesses across many clients, for every client, and no other address', async () => {
    const unknown: Registered = { client_id: 'no-such-client', client_secret: 'x'.repeat(43) };
    // Two failures per client_id: under the per-client limit, over the per-address one.
    for (const client of [await newClient(), await newClient(), unknown]) {
      for (let i = 0; i < 2; i++)
        expect((await clientCredentials('127.0.0.6', wrong(client))).status).toBe(401);
    }
    const fresh = await newClient();
    const locked = await clientCredentials('127.0.0.6', right(fresh));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(LOCK_SECONDS - 10);
    expect(
      await t.db.query(
        `SELECT 1 FROM login_throttles WHERE key = 'client-ip:127.0.0.6' AND locked_until > now()`,
      ),
    ).toHaveLength(1);
    expect((await clientCredentials('127.0.0.7', right(fresh))).status).toBe(200);
  });

  it('answers an unknown client_id exactly like a known one with a wrong secret, before and during a lock', async () => {
    const client = await newClient();
    const unknown: Registered = {
      client_id: 'nobody-registered-this',
      client_secret: 'y'.repeat(43),
    };
    const answers = async (who: Registered, address: string) => {
      const seen = [];
      for (let i = 0; i <= PER_CLIENT; i++) seen.push(await clientCredentials(address, wrong(who)));
      return seen.map((answer) => ({
        status: answer.status,
        body: JSON.stringify(answer.body).replace(/\d+ seconds/, 'N seconds'),
        headers: [...answer.headers]
          .filter(([name]) => !['date', 'retry-after', 'content-length'].includes(name))
          .map(([name, value]) => `${name}: ${value}`),
      }));
    };
    const known = await answers(client, '127.0.0.8');
    expect(known.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
    expect(await answers(unknown, '127.0.0.9')).toEqual(known);
  });

  it('does not count a success, nor let successes reset an address that is guessing', async () => {
    const client = await newClient();
    for (let i = 0; i < 5; i++)
      expect((await clientCredentials('127.0.0.10', right(client))).status).toBe(200);
    expect(
      await t.db.query(`SELECT 1 FROM login_throttles WHERE key LIKE 'client%127.0.0.10%'`),
    ).toEqual([]);
    for (let i = 0; i < PER_CLIENT - 1; i++) {
      expect((await clientCredentials('127.0.0.10', wrong(client))).status).toBe(401);
      expect((await clientCredentials('127.0.0.10', right(client))).status).toBe(200);
    }
    expect((await clientCredentials('127.0.0.10', wrong(client))).status).toBe(401);
    expect((await clientCredentials('127.0.0.10', right(client))).status).toBe(429);
  });
});
