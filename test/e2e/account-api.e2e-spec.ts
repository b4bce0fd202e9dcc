import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';

describe('account API (bearer, scope account)', () => {
  let t: TestApp;
  let admin: Credentials;
  let app: Registered;
  let user: { id: string };

  const login = async (scope: string) =>
    (
      await token(
        t,
        { grant_type: 'password', username: 'jane', password: PASSWORD, scope },
        basic(app),
      )
    ).body;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    app = await registerClient(t, admin, {
      client_name: 'Jane’s dashboard',
      grant_types: ['password', 'refresh_token', 'client_credentials'],
      scope: 'account notes:read',
    });
    user = await createUser(t, admin, { username: 'jane', password: PASSWORD });
    // A consent as the consent page would have stored it.
    await t.db.query(
      `INSERT INTO consents (user_id, client_id, scope) VALUES ($1, $2, 'notes:read')`,
      [user.id, app.client_id],
    );
  });
  afterAll(() => t.close());

  it('lists and revokes the user’s own consents, revoking the tokens under them', async () => {
    const tokens = await login('account notes:read');
    const auth = { bearer: tokens.access_token! };
    const underConsent = await login('notes:read');
    const active = async (accessToken: string) =>
      (
        await t.http.form<{ active: boolean }>(
          '/oauth/introspect',
          { token: accessToken },
          basic(app),
        )
      ).body.active;
    expect(await active(underConsent.access_token!)).toBe(true);
    const list = await t.http.get<{
      items: { client_id: string; client_name: string; scope: string }[];
    }>('/account/api/consents', auth);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        client_id: app.client_id,
        client_name: 'Jane’s dashboard',
        scope: 'notes:read',
      }),
    ]);

    expect(
      (await t.http.request('DELETE', `/account/api/consents/${app.client_id}`, { auth })).status,
    ).toBe(204);
    // The token that withdrew the consent was issued to that client for this user: it went too.
    expect((await t.http.get('/account/api/consents', auth)).status).toBe(401);
    const again = { bearer: (await login('account')).access_token! };
    expect(
      (await t.http.get<{ items: unknown[] }>('/account/api/consents', again)).body.items,
    ).toEqual([]);
    const refresh = await token(
      t,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      basic(app),
    );
    expect(refresh.body.error).toBe('invalid_grant');
    expect(await active(underConsent.access_token!)).toBe(false);
    expect(
      (await t.http.request('DELETE', `/account/api/consents/${app.client_id}`, { auth: again }))
        .status,
    ).toBe(404);
  });

  it('refuses without a token, without the account scope, and for a token with no user', async () => {
    expect((await t.http.get('/account/api/consents')).status).toBe(401);
    const narrow = await login('notes:read');
    const forbidden = await t.http.get('/account/api/consents', { bearer: narrow.access_token! });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toContain('scope="account"');
    const clientOnly = (await token(t, { grant_type: 'client_credentials' }, basic(app))).body
      .access_token!;
    const userless = await t.http.get('/account/api/consents', { bearer: clientOnly });
    expect(userless.status).toBe(401);
    expect(userless.headers.get('www-authenticate')).toContain('this API needs a user');
  });
});
