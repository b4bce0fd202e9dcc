import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

const PASSWORD = 'correct horse battery staple';

/**
 * RFC 6819 §5.2.2: a revoked access token, or one whose client or user was disabled, is dead
 * at every API of Portcullis's own, not only at introspection: a signature says nothing of it.
 */
describe('revoked and orphaned bearer tokens at Portcullis’s own APIs', () => {
  let t: SecurityApp;
  let admin: Credentials;
  let app: Registered;
  let user: { id: string };

  const SCOPE = 'openid account upstream:coze upstream:feishu';
  const login = async () =>
    (
      await token(
        t,
        { grant_type: 'password', username: 'uma', password: PASSWORD, scope: SCOPE },
        basic(app),
      )
    ).body.access_token!;
  /** Each API with the status a live token gets (no upstream connection is configured). */
  const apis: [string, string, number][] = [
    ['GET', '/oauth/userinfo', 200],
    ['GET', '/account/api/consents', 200],
    ['POST', '/upstream/coze/none/token', 404],
    ['POST', '/upstream/feishu/none/tenant-token', 404],
  ];
  const statuses = async (bearer: string) => {
    const answers = await Promise.all(
      apis.map(([method, path]) => t.http.request(method, path, { auth: { bearer } })),
    );
    for (const answer of answers.filter((a) => a.status === 401)) {
      expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    return answers.map((answer) => answer.status);
  };
  const live = apis.map(([, , status]) => status);
  const dead = apis.map(() => 401);

  beforeAll(async () => {
    t = await startSecurityApp();
    admin = await adminAuth(t);
    app = await registerClient(t, admin, { grant_types: ['password'], scope: SCOPE });
    user = await createUser(t, admin, { username: 'uma', password: PASSWORD });
  });
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  it('a revoked access token is refused everywhere', async () => {
    const bearer = await login();
    expect(await statuses(bearer)).toEqual(live);
    const revoked = await t.http.form(
      '/oauth/revoke',
      { token: bearer, token_type_hint: 'access_token' },
      basic(app),
    );
    expect(revoked.status).toBe(200);
    expect(await statuses(bearer)).toEqual(dead);
  });

  it('a disabled client’s access token is refused everywhere', async () => {
    const bearer = await login();
    expect(await statuses(bearer)).toEqual(live);
    await t.http.request('POST', `/admin/clients/${app.client_id}/disable`, { auth: admin });
    expect(await statuses(bearer)).toEqual(dead);
    await t.http.request('POST', `/admin/clients/${app.client_id}/enable`, { auth: admin });
    expect(await statuses(bearer)).toEqual(dead);
  });

  it('a disabled user’s access token is refused everywhere', async () => {
    const bearer = await login();
    expect(await statuses(bearer)).toEqual(live);
    await t.http.request('POST', `/admin/users/${user.id}/disable`, { auth: admin });
    expect(await statuses(bearer)).toEqual(dead);
  });
});
