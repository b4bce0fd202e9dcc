import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
  type TokenBody,
} from '../support/flows.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';
import { refreshTokenKey } from '../support/refresh-token-key.js';

const PASSWORD = 'correct horse battery staple';

/** RFC 9700 §4.14 and RFC 6819 §5.2.2: what an attacker holding a refresh token can do. */
describe('attacks on refresh tokens', () => {
  let t: SecurityApp;
  let admin: Credentials;
  let app: Registered;
  let thief: Registered;
  let introspector: Registered;

  const login = async (username: string, scope = 'read write') => {
    const res = await token(
      t,
      { grant_type: 'password', username, password: PASSWORD, scope },
      basic(app),
    );
    expect(res.status).toBe(200);
    return res.body as Required<Pick<TokenBody, 'access_token' | 'refresh_token'>> & TokenBody;
  };
  const refresh = (refreshToken: string, client = app, scope?: string) =>
    token(
      t,
      { grant_type: 'refresh_token', refresh_token: refreshToken, ...(scope ? { scope } : {}) },
      basic(client),
    );
  const introspect = async (value: string) =>
    (
      await t.http.form<{ active: boolean }>(
        '/oauth/introspect',
        { token: value },
        basic(introspector),
      )
    ).body.active;
  const userinfo = (accessToken: string) => t.http.get('/oauth/userinfo', { bearer: accessToken });
  const refreshRows = () =>
    t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM refresh_tokens');

  beforeAll(async () => {
    t = await startSecurityApp();
    admin = await adminAuth(t);
    app = await registerClient(t, admin, {
      grant_types: ['password', 'refresh_token'],
      scope: 'read write',
    });
    thief = await registerClient(t, admin, {
      grant_types: ['password', 'refresh_token'],
      scope: 'read write',
    });
    introspector = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'introspect',
    });
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve']) {
      await createUser(t, admin, { username: name, password: PASSWORD });
    }
  });
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  it('revoking a refresh token also revokes the access tokens of its grant (RFC 7009 §2.1), and no other grant', async () => {
    const first = await login('eve');
    const rotated = (await refresh(first.refresh_token)).body as Required<TokenBody>;
    const other = await login('eve');
    for (const accessToken of [first.access_token, rotated.access_token, other.access_token]) {
      expect(await introspect(accessToken)).toBe(true);
    }
    const revoked = await t.http.form(
      '/oauth/revoke',
      { token: rotated.refresh_token, token_type_hint: 'refresh_token' },
      basic(app),
    );
    expect(revoked.status).toBe(200);
    expect(await introspect(first.access_token)).toBe(false);
    expect(await introspect(rotated.access_token)).toBe(false);
    expect((await userinfo(rotated.access_token)).status).toBe(401);
    expect((await refresh(rotated.refresh_token)).body.error).toBe('invalid_grant');
    // The user's other grant to the same client is untouched.
    expect(await introspect(other.access_token)).toBe(true);
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  it('refresh token replay revokes the whole family, its live refresh token and its access tokens', async () => {
    const first = await login('ann');
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    const current = second.body as Required<TokenBody>;
    // Both generations work before the replay.
    expect((await userinfo(first.access_token)).status).toBe(200);
    expect((await userinfo(current.access_token)).status).toBe(200);
    expect(await introspect(current.refresh_token)).toBe(true);

    // The rotated-away token comes back (the attacker or the client: the server cannot tell).
    const replay = await refresh(first.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: 'invalid_grant' });
    expect(replay.body.access_token).toBeUndefined();

    // The current token of the family is dead...
    const afterwards = await refresh(current.refresh_token);
    expect(afterwards.status).toBe(400);
    expect(afterwards.body.error).toBe('invalid_grant');
    expect(await introspect(current.refresh_token)).toBe(false);
    // ...and so is every access token the family issued.
    for (const accessToken of [first.access_token, current.access_token]) {
      expect(await introspect(accessToken)).toBe(false);
      const res = await userinfo(accessToken);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    const [family] = await t.db.query<{ revoked_reason: string }>(
      `SELECT f.revoked_reason FROM refresh_token_families f
         JOIN refresh_tokens t ON t.family_id = f.id WHERE t.digest = $1`,
      [refreshTokenKey(first.refresh_token)],
    );
    expect(family.revoked_reason).toBe('reuse');

    // Another grant of the same user is untouched: only the compromised family goes.
    const other = await login('ann');
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  // RFC 9700 §4.14.2: refresh tokens are sender-constrained to the client they were issued to
  // (client authentication). Another client presenting one is refused, but it is not a replay
  // within the family: revoking the victim's grant would let any client with a stolen token
  // log a user out (denial of service), and the token was not presented by its own client.
  it('cross-client use of refresh tokens: refused, and the owner’s token still works', async () => {
    const victim = await login('ben');
    const before = await refreshRows();
    const stolen = await refresh(victim.refresh_token, thief);
    expect(stolen.status).toBe(400);
    expect(stolen.body).toMatchObject({ error: 'invalid_grant' });
    expect(stolen.body.access_token).toBeUndefined();
    expect(await refreshRows()).toEqual(before);
    const [row] = await t.db.query<{ consumed_at: Date | null }>(
      'SELECT consumed_at FROM refresh_tokens WHERE digest = $1',
      [refreshTokenKey(victim.refresh_token)],
    );
    expect(row.consumed_at).toBeNull();

    const owner = await refresh(victim.refresh_token);
    expect(owner.status).toBe(200);
    expect(owner.body.access_token).toBeDefined();
  });

  it('scope escalation on refresh: invalid_scope and nothing issued; narrowing is allowed', async () => {
    const grant = await login('cat', 'read');
    const before = await refreshRows();
    for (const scope of ['read write', 'write', 'admin', 'read introspect']) {
      const res = await refresh(grant.refresh_token, app, scope);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_scope' });
      expect(res.body.access_token).toBeUndefined();
      expect(res.body.refresh_token).toBeUndefined();
    }
    expect(await refreshRows()).toEqual(before);

    const wide = await login('cat', 'read write');
    const narrowed = await refresh(wide.refresh_token, app, 'read');
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('read');
    // The narrowed token is a narrower grant only for this access token: the grant keeps
    // its scope (RFC 6749 §6), but never grows past it.
    const next = await refresh(narrowed.body.refresh_token!, app, 'read write');
    expect(next.status).toBe(200);
    expect(next.body.scope).toBe('read write');
  });

  it('an access token used as a refresh token is refused', async () => {
    const grant = await login('dan');
    const before = await refreshRows();
    const res = await refresh(grant.access_token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_grant' });
    expect(res.body.access_token).toBeUndefined();
    expect(await refreshRows()).toEqual(before);
    // It did not count as a replay of anything: the real refresh token still works.
    expect((await refresh(grant.refresh_token)).status).toBe(200);
  });
});
