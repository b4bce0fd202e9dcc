import { performance } from 'node:perf_hooks';
import { hiddenField } from '../support/browser-agent.js';
import { adminAuth, createUser, registerClient, type Registered } from '../support/flows.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

// RFC 6819 §5.1.4.2.3 / §4.4.3.6: how long a refusal takes must not say which part of the
// credentials was wrong. An unknown user still costs one argon2id verification (of a decoy
// hash); without it the unknown case would answer about ten times sooner. The bounds are
// loose, medians over interleaved attempts, so a busy machine cannot make them flake.
const PASSWORD = 'correct horse battery staple';
const ROUNDS = 15;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function timed(attempt: () => Promise<{ status: number }>, status: number) {
  const start = performance.now();
  const answer = await attempt();
  const elapsed = performance.now() - start;
  expect(answer.status).toBe(status);
  return elapsed;
}

/** Median times of `a` and `b`, run alternately (which goes first alternates too). */
async function interleaved(
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<{ a: number; b: number }> {
  await a(); // warm-up: the first decoy hash is made on first use
  await b();
  const times = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2) {
      times.a.push(await a());
      times.b.push(await b());
    } else {
      times.b.push(await b());
      times.a.push(await a());
    }
  }
  return { a: median(times.a), b: median(times.b) };
}

describe('authentication timing (RFC 6819 §5.1.4.2.3)', () => {
  let t: SecurityApp;
  let passwordClient: Registered;
  let serviceClient: Registered;

  beforeAll(async () => {
    t = await startSecurityApp({
      env: {
        // Every attempt here fails: no lock may cut one short.
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
        LOGIN_MAX_FAILURES_PER_IP: '100000',
        LOGIN_RATE_LIMIT: '0',
        CLIENT_AUTH_MAX_FAILURES: '1000',
        CLIENT_AUTH_MAX_FAILURES_PER_IP: '100000',
      },
    });
    const admin = await adminAuth(t);
    passwordClient = await registerClient(t, admin, {
      grant_types: ['password'],
      scope: 'notes:read',
    });
    serviceClient = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'notes:read',
    });
    await createUser(t, admin, { username: 'timed-user', password: PASSWORD });
  });
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  const passwordGrant = (username: string, password?: string) =>
    t.http.form(
      '/oauth/token',
      { grant_type: 'password', username, ...(password ? { password } : {}) },
      { basic: [passwordClient.client_id, passwordClient.client_secret!] },
    );

  it('password grant: an unknown username takes as long as a wrong password for a real one', async () => {
    const medians = await interleaved(
      () => timed(() => passwordGrant('nobody-by-this-name', 'wrong-password-1'), 400),
      () => timed(() => passwordGrant('timed-user', 'wrong-password-2'), 400),
    );
    const ratio = medians.a / medians.b;
    expect(ratio).toBeGreaterThanOrEqual(0.5);
    expect(ratio).toBeLessThanOrEqual(2);
  });

  it('password grant: the measure can tell a refusal that skips the hash (so the check above can fail)', async () => {
    const medians = await interleaved(
      () => timed(() => passwordGrant('timed-user'), 400), // no password: refused unhashed
      () => timed(() => passwordGrant('timed-user', 'wrong-password-3'), 400),
    );
    expect(medians.b / medians.a).toBeGreaterThan(2);
  });

  it('/login: an unknown username takes as long as a wrong password for a real one', async () => {
    const page = await fetch(`${t.baseUrl}/login`);
    const cookie = page.headers
      .getSetCookie()
      .find((line) => line.startsWith('portcullis_csrf='))!
      .split(';')[0];
    const csrfToken = hiddenField(await page.text(), 'csrf_token');
    const login = (username: string, password: string) =>
      t.http.request('POST', '/login', {
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ csrf_token: csrfToken, username, password }).toString(),
      });
    const medians = await interleaved(
      () => timed(() => login('nobody-by-this-name', 'wrong-password-4'), 401),
      () => timed(() => login('timed-user', 'wrong-password-5'), 401),
    );
    const ratio = medians.a / medians.b;
    expect(ratio).toBeGreaterThanOrEqual(0.5);
    expect(ratio).toBeLessThanOrEqual(2);
  });

  it('client authentication: an unknown client_id takes about as long as a wrong secret for a real client', async () => {
    // Both compare a SHA-256 digest in constant time: the unknown client against a decoy.
    const attempt = (clientId: string) =>
      t.http.form(
        '/oauth/token',
        { grant_type: 'client_credentials' },
        { basic: [clientId, 'a-wrong-secret-of-the-usual-length-0123456789a'] },
      );
    const medians = await interleaved(
      () => timed(() => attempt('no-such-client-id'), 401),
      () => timed(() => attempt(serviceClient.client_id), 401),
    );
    const ratio = medians.a / medians.b;
    expect(ratio).toBeGreaterThanOrEqual(1 / 3);
    expect(ratio).toBeLessThanOrEqual(3);
  });
});
