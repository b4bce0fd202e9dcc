import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  claimsOf,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';

describe('password grant (RFC 6749 §4.3)', () => {
  let t: TestApp;
  let admin: Credentials;
  let app: Registered;

  const attempt = (username: string, password: string, scope?: string, client = app) =>
    token(
      t,
      { grant_type: 'password', username, password, ...(scope ? { scope } : {}) },
      basic(client),
    );

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    app = await registerClient(t, admin, { grant_types: ['password'], scope: 'read write' });
    await createUser(t, admin, { username: 'Alice', password: PASSWORD });
    await createUser(t, admin, { username: 'limited', password: PASSWORD, scope: 'read' });
    await createUser(t, admin, { username: 'locked-out', password: PASSWORD });
    await createUser(t, admin, { username: 'resets', password: PASSWORD });
  });
  afterAll(() => t.close());

  it('issues a token for a user, in any letter case of the username', async () => {
    const res = await attempt('alice', PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'read write' });
    expect(claimsOf(res.body.access_token!)).toMatchObject({
      username: 'Alice',
      client_id: app.client_id,
    });
  });

  it('is off for clients not registered with it', async () => {
    const cc = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'read',
    });
    const res = await attempt('Alice', PASSWORD, undefined, cc);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('answers an unknown user exactly as a wrong password', async () => {
    const wrong = await attempt('Alice', 'not the password');
    const unknown = await attempt('nobody-here', 'not the password');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid username or password',
    });
    const failures = await t.db.query<{ details: { reason: string } }>(
      `SELECT details FROM audit_events WHERE type = 'login.failed'`,
    );
    expect(failures.map((f) => f.details.reason).sort()).toEqual([
      'unknown_user',
      'wrong_password',
    ]);
    expect(JSON.stringify(failures)).not.toContain('not the password');
    await attempt('Alice', PASSWORD); // clears Alice's count
  });

  it('limits the scope to the user’s limit as well as the client’s', async () => {
    const res = await attempt('limited', PASSWORD);
    expect(res.body.scope).toBe('read');
    const more = await attempt('limited', PASSWORD, 'read write');
    expect(more.status).toBe(400);
    expect(more.body.error).toBe('invalid_scope');
  });

  it('refuses a disabled user with the same answer', async () => {
    const user = await createUser(t, admin, { username: 'sleepy', password: PASSWORD });
    await t.http.request('POST', `/admin/users/${user.id}/disable`, { auth: admin });
    const res = await attempt('sleepy', PASSWORD);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid username or password',
    });
  });

  it('locks an account after 5 failures, even against the right password, and says so', async () => {
    for (let i = 0; i < 5; i++)
      expect((await attempt('locked-out', `wrong-${i}`)).status).toBe(400);
    const locked = await attempt('locked-out', PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('too_many_requests');
    expect(locked.body.error_description).toMatch(/this account; try again in \d+ seconds/);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    const [row] = await t.db.query<{ failures: number; locked: boolean }>(
      `SELECT failures, locked_until > now() AS locked FROM login_throttles WHERE key = 'account:locked-out'`,
    );
    expect(row).toEqual({ failures: 5, locked: true });
    expect(await t.db.query(`SELECT 1 FROM audit_events WHERE type = 'login.locked'`)).toHaveLength(
      1,
    );
    // Other accounts are not affected.
    expect((await attempt('Alice', PASSWORD)).status).toBe(200);
  });

  it('clears an account’s failures on success', async () => {
    for (let i = 0; i < 4; i++) await attempt('resets', 'wrong');
    expect((await attempt('resets', PASSWORD)).status).toBe(200);
    for (let i = 0; i < 4; i++) await attempt('resets', 'wrong');
    expect((await attempt('resets', PASSWORD)).status).toBe(200);
  });

  it.each([
    [{ grant_type: 'password', password: PASSWORD }, 'invalid_request'],
    [{ grant_type: 'password', username: 'Alice' }, 'invalid_request'],
    [
      { grant_type: 'password', username: 'Alice', password: PASSWORD, scope: 'nope' },
      'invalid_scope',
    ],
    [{ grant_type: 'password', username: 'x'.repeat(300), password: PASSWORD }, 'invalid_grant'],
  ])('refuses %j with %s', async (params, error) => {
    const res = await token(t, params, basic(app));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
  });
});

describe('password grant throttling per address', () => {
  it('locks the address after LOGIN_MAX_FAILURES_PER_IP failures across accounts, in the database', async () => {
    const t = await startTestApp({ env: { LOGIN_MAX_FAILURES_PER_IP: '3' } });
    try {
      const admin = await adminAuth(t);
      const app = await registerClient(t, admin, { grant_types: ['password'] });
      await createUser(t, admin, { username: 'victim', password: PASSWORD });
      for (const name of ['a', 'b', 'c']) {
        expect(
          (await token(t, { grant_type: 'password', username: name, password: 'x' }, basic(app)))
            .status,
        ).toBe(400);
      }
      const blocked = await token(
        t,
        { grant_type: 'password', username: 'victim', password: PASSWORD },
        basic(app),
      );
      expect(blocked.status).toBe(429);
      expect(blocked.body.error_description).toContain('this address');
      expect(
        await t.db.query(
          `SELECT key FROM login_throttles WHERE key = 'ip:127.0.0.1' AND locked_until > now()`,
        ),
      ).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('rate-limits password attempts per address with @nestjs/throttler, and only those', async () => {
    const t = await startTestApp({ env: { LOGIN_RATE_LIMIT: '3' } });
    try {
      const admin = await adminAuth(t);
      const app = await registerClient(t, admin, {
        grant_types: ['password', 'client_credentials'],
      });
      await createUser(t, admin, { username: 'quick', password: PASSWORD });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (
            await token(
              t,
              { grant_type: 'password', username: 'quick', password: PASSWORD },
              basic(app),
            )
          ).status,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect((await token(t, { grant_type: 'client_credentials' }, basic(app))).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('password grant timing', () => {
  it('takes about as long for an unknown user as for a wrong password', async () => {
    const t = await startTestApp({
      env: {
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
        LOGIN_MAX_FAILURES_PER_IP: '100000',
        LOGIN_RATE_LIMIT: '0',
      },
    });
    try {
      const admin = await adminAuth(t);
      const app = await registerClient(t, admin, { grant_types: ['password'] });
      await createUser(t, admin, { username: 'timed', password: PASSWORD });
      const time = async (username: string) => {
        const started = process.hrtime.bigint();
        const res = await token(
          t,
          { grant_type: 'password', username, password: 'wrong password' },
          basic(app),
        );
        expect(res.status).toBe(400);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const median = (values: number[]) =>
        values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
      await time('timed');
      await time('ghost'); // warm both paths
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 7; i++) {
        known.push(await time('timed'));
        unknown.push(await time(`ghost-${i}`));
      }
      const ratio = median(unknown) / median(known);
      // Both pay one argon2id verification (~tens of ms); without the decoy an unknown user
      // would answer in about a millisecond.
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
      expect(median(unknown)).toBeGreaterThan(5);
    } finally {
      await t.close();
    }
  });
});
