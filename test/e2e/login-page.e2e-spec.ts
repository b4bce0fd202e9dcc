import { BrowserAgent, hiddenField } from '../support/browser-agent.js';
import { adminAuth, createUser } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';

async function submitLogin(agent: BrowserAgent, username: string, password: string) {
  const page = await agent.get('/login');
  return agent.post('/login', {
    csrf_token: hiddenField(page.text, 'csrf_token'),
    username,
    password,
  });
}

describe('login page sessions and throttling', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOGIN_RATE_LIMIT: '8' } });
    const admin = await adminAuth(t);
    await createUser(t, admin, { username: 'gina', password: PASSWORD });
    await createUser(t, admin, { username: 'hank', password: PASSWORD });
  });
  afterAll(() => t.close());

  it('locks the account after repeated failures, like the password grant, and says so', async () => {
    const agent = new BrowserAgent(t.baseUrl);
    for (let i = 0; i < 5; i++)
      expect((await submitLogin(agent, 'gina', 'wrong')).status).toBe(401);
    const locked = await submitLogin(agent, 'gina', PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Too many failed attempts');
    expect(agent.cookies.get('portcullis_session')).toBeUndefined();
    const events = await t.db.query<{ details: { via: string } }>(
      `SELECT details FROM audit_events WHERE type = 'login.failed'`,
    );
    expect(events.every((e) => e.details.via === 'login_page')).toBe(true);
  });

  it('ends a session left idle past SESSION_IDLE_TTL', async () => {
    const agent = new BrowserAgent(t.baseUrl);
    expect((await submitLogin(agent, 'hank', PASSWORD)).location).toBe('/account/consents');
    expect((await agent.get('/account/consents')).status).toBe(200);
    await t.db.query(`UPDATE sessions SET last_seen_at = now() - interval '2 hours'`);
    expect((await agent.get('/account/consents')).location).toBe('/login');
  });

  it('rate-limits login attempts per address (@nestjs/throttler)', async () => {
    const agent = new BrowserAgent(t.baseUrl);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await submitLogin(agent, 'hank', PASSWORD));
    // 8 per minute: the earlier tests used 7, so the second of these is over the limit.
    expect(answers.map((a) => a.status)).toEqual([303, 429, 429]);
    // An error on a page is a page, in words for a person.
    expect(answers[1].headers.get('content-type')).toMatch(/text\/html/);
    expect(answers[1].text).toContain('Too many attempts');
    expect(answers[1].headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('cookies under an https issuer', () => {
  it('are Secure, and __Host- prefixed', async () => {
    const t = await startTestApp({ env: { ISSUER: 'https://auth.example.test' } });
    try {
      const res = await fetch(`${t.baseUrl}/login`);
      const cookie = res.headers
        .getSetCookie()
        .find((c) => c.startsWith('__Host-portcullis_csrf='))!;
      expect(cookie).toMatch(/; Secure/i);
      expect(cookie).toMatch(/HttpOnly/i);
    } finally {
      await t.close();
    }
  });
});
