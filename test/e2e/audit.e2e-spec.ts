import type { Credentials } from '../support/http-client.js';
import { adminAuth, claimsOf, createUser, registerClient, token } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type AuditView = {
  id: string;
  at: string;
  type: string;
  client_id: string | null;
  user_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
};
type Page = { items: AuditView[]; total: number; limit: number; offset: number };

describe('audit events', () => {
  let t: TestApp;
  let admin: Credentials;
  const secrets: string[] = [];
  let clientId: string;
  let userId: string;
  let startedAt: string;
  let refreshedJti: string;
  let loginJti: string;
  let ccJti: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    startedAt = new Date(Date.now() - 1000).toISOString();
    secrets.push(t.admin.secret, (admin as { bearer: string }).bearer);

    // One of everything worth auditing.
    const client = await registerClient(t, admin, {
      grant_types: ['password', 'refresh_token', 'client_credentials'],
      scope: 'read',
    });
    clientId = client.client_id;
    secrets.push(client.client_secret!);
    await t.http.json('PATCH', `/admin/clients/${clientId}`, { client_name: 'Renamed' }, admin);
    const rotated = await t.http.request<{ client_secret: string }>(
      'POST',
      `/admin/clients/${clientId}/secret`,
      { auth: admin },
    );
    secrets.push(rotated.body.client_secret);
    const auth = { basic: [clientId, rotated.body.client_secret] as [string, string] };
    await t.http.request('POST', `/admin/clients/${clientId}/disable`, { auth: admin });
    await t.http.request('POST', `/admin/clients/${clientId}/enable`, { auth: admin });

    const password = 'a very secret passphrase';
    secrets.push(password, 'the wrong passphrase');
    const user = await createUser(t, admin, { username: 'audited', password });
    userId = user.id;
    await token(
      t,
      { grant_type: 'password', username: 'audited', password: 'the wrong passphrase' },
      auth,
    );
    const login = await token(t, { grant_type: 'password', username: 'audited', password }, auth);
    secrets.push(login.body.access_token!, login.body.refresh_token!);
    loginJti = claimsOf(login.body.access_token!).jti as string;
    const refreshed = await token(
      t,
      { grant_type: 'refresh_token', refresh_token: login.body.refresh_token! },
      auth,
    );
    secrets.push(refreshed.body.access_token!, refreshed.body.refresh_token!);
    refreshedJti = claimsOf(refreshed.body.access_token!).jti as string;
    await token(t, { grant_type: 'refresh_token', refresh_token: login.body.refresh_token! }, auth); // reuse
    const cc = await token(t, { grant_type: 'client_credentials' }, auth);
    secrets.push(cc.body.access_token!);
    ccJti = claimsOf(cc.body.access_token!).jti as string;
    await t.http.form('/oauth/revoke', { token: cc.body.access_token! }, auth);
    await t.http.request('POST', '/admin/keys/rotate', { auth: admin });
    const doomed = await registerClient(t, admin, { grant_types: ['client_credentials'] });
    secrets.push(doomed.client_secret!);
    await t.http.request('DELETE', `/admin/clients/${doomed.client_id}`, { auth: admin });
    await t.http.request('POST', `/admin/users/${userId}/disable`, { auth: admin });
  });
  afterAll(() => t.close());

  it('records each event, with time, client, user and address', async () => {
    const page = await t.http.get<Page>('/admin/audit-events?limit=100', admin);
    expect(page.status).toBe(200);
    const types = new Set(page.body.items.map((e) => e.type));
    for (const type of [
      'client.created',
      'client.updated',
      'client.secret_rotated',
      'client.disabled',
      'client.enabled',
      'client.deleted',
      'user.created',
      'user.disabled',
      'login.failed',
      'token.issued',
      'refresh.rotated',
      'refresh.reuse_detected',
      'token.revoked',
      'key.rotated',
    ]) {
      expect([type, types.has(type)]).toEqual([type, true]);
    }
    const rotated = page.body.items.find((e) => e.type === 'refresh.rotated')!;
    const failed = page.body.items.find((e) => e.type === 'login.failed')!;
    expect(failed).toMatchObject({ client_id: clientId, user_id: userId, ip: '127.0.0.1' });
    expect(Date.parse(failed.at)).toBeGreaterThan(Date.parse(startedAt));
    const issued = page.body.items.find(
      (e) => e.type === 'token.issued' && e.details.grant_type === 'password',
    )!;
    // Written in the statement that starts the refresh family: the token it answered, the family.
    expect(issued).toMatchObject({ client_id: clientId, user_id: userId, ip: '127.0.0.1' });
    expect(issued.details).toEqual({
      grant_type: 'password',
      scope: 'read',
      jti: loginJti,
      family_id: rotated.details.family_id,
    });
    // Written in the rotation's own statement: the access token it answered, and the family.
    expect(rotated).toMatchObject({ client_id: clientId, user_id: userId, ip: '127.0.0.1' });
    expect(rotated.details).toEqual({
      grant_type: 'refresh_token',
      scope: 'read',
      jti: refreshedJti,
      family_id: expect.any(String),
    });
    const issuedToClient = page.body.items.find(
      (e) => e.type === 'token.issued' && e.details.grant_type === 'client_credentials',
    )!;
    // Written by the group commit: every field, and the time it was recorded.
    expect(issuedToClient).toMatchObject({ client_id: clientId, user_id: null, ip: '127.0.0.1' });
    expect(issuedToClient.details).toEqual({
      grant_type: 'client_credentials',
      scope: 'read',
      jti: ccJti,
    });
    expect(Date.parse(issuedToClient.at)).toBeGreaterThan(Date.parse(startedAt));
    expect(Date.parse(issuedToClient.at)).toBeLessThanOrEqual(Date.now());
    expect(page.body.items.find((e) => e.type === 'client.created')!.details).toMatchObject({
      actor: t.admin.id,
    });
    // Newest first.
    const ids = page.body.items.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('never stores a secret, token or password', async () => {
    const dump = JSON.stringify(await t.db.query('SELECT * FROM audit_events'));
    for (const secret of secrets) expect(dump).not.toContain(secret);
  });

  it('filters by type, client, user and time, and pages', async () => {
    const byType = await t.http.get<Page>('/admin/audit-events?type=token.issued', admin);
    expect(byType.body.items.length).toBeGreaterThan(0);
    expect(byType.body.items.every((e) => e.type === 'token.issued')).toBe(true);

    const byClient = await t.http.get<Page>(
      `/admin/audit-events?client_id=${clientId}&limit=100`,
      admin,
    );
    expect(byClient.body.items.every((e) => e.client_id === clientId)).toBe(true);
    const byUser = await t.http.get<Page>(`/admin/audit-events?user_id=${userId}&limit=100`, admin);
    expect(byUser.body.items.every((e) => e.user_id === userId)).toBe(true);
    expect(byUser.body.items.map((e) => e.type)).toEqual(
      expect.arrayContaining(['user.created', 'login.failed']),
    );

    const future = await t.http.get<Page>(
      `/admin/audit-events?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      admin,
    );
    expect(future.body).toMatchObject({ items: [], total: 0 });
    const past = await t.http.get<Page>(
      `/admin/audit-events?until=${encodeURIComponent(startedAt)}`,
      admin,
    );
    expect(past.body.items.every((e) => Date.parse(e.at) < Date.parse(startedAt))).toBe(true);

    const all = await t.http.get<Page>('/admin/audit-events?limit=100', admin);
    const second = await t.http.get<Page>('/admin/audit-events?limit=2&offset=2', admin);
    expect(second.body).toMatchObject({ total: all.body.total, limit: 2, offset: 2 });
    expect(second.body.items.map((e) => e.id)).toEqual(all.body.items.slice(2, 4).map((e) => e.id));
  });

  it.each(['type=nope', 'user_id=not-a-uuid', 'since=yesterday', 'limit=0', 'unknown=1'])(
    'refuses %s',
    async (query) => {
      const res = await t.http.get(`/admin/audit-events?${query}`, admin);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    },
  );

  it('is for admins only', async () => {
    expect((await t.http.get('/admin/audit-events')).status).toBe(401);
    const client = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'read',
    });
    const plain = await t.http.clientToken(client.client_id, client.client_secret!);
    expect((await t.http.get('/admin/audit-events', { bearer: plain })).status).toBe(403);
  });

  it('an ordinary use of the API leaves no secret in the client or user rows either', async () => {
    const dump =
      JSON.stringify(await t.db.query('SELECT * FROM clients')) +
      JSON.stringify(await t.db.query('SELECT * FROM users'));
    for (const secret of secrets) expect(dump).not.toContain(secret);
  });
});
