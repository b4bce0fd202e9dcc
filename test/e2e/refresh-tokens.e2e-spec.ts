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
import { refreshTokenKey } from '../support/refresh-token-key.js';

describe('refresh tokens (RFC 6749 §6, RFC 9700 §4.14.2)', () => {
  let t: TestApp;
  let admin: Credentials;
  let app: Registered;
  let other: Registered;
  const password = 'correct horse battery staple';

  const login = async (username: string, scope?: string) => {
    const res = await token(
      t,
      { grant_type: 'password', username, password, ...(scope ? { scope } : {}) },
      basic(app),
    );
    expect(res.status).toBe(200);
    return res.body;
  };
  const refresh = (refreshToken: string, client = app, scope?: string) =>
    token(
      t,
      { grant_type: 'refresh_token', refresh_token: refreshToken, ...(scope ? { scope } : {}) },
      basic(client),
    );

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    app = await registerClient(t, admin, {
      grant_types: ['password', 'refresh_token'],
      scope: 'read write admin:none',
    });
    other = await registerClient(t, admin, {
      grant_types: ['password', 'refresh_token'],
      scope: 'read write',
    });
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy']) {
      await createUser(t, admin, { username: name, password });
    }
  });
  afterAll(() => t.close());

  it('issues a refresh token with the password grant, stored only as a digest, and rotates it on use', async () => {
    const first = await login('ann', 'read write');
    expect(first.refresh_token).toMatch(/^[A-Za-z0-9_-]{51}$/);
    const claims = claimsOf(first.access_token!);
    expect(claims).toMatchObject({
      username: 'ann',
      client_id: app.client_id,
      scope: 'read write',
    });

    const digest = refreshTokenKey(first.refresh_token!);
    const stored = await t.db.query<{ digest: Buffer }>(
      'SELECT digest FROM refresh_tokens WHERE digest = $1',
      [digest],
    );
    expect(stored).toHaveLength(1);
    const dump =
      JSON.stringify(await t.db.query('SELECT * FROM refresh_tokens')) +
      JSON.stringify(await t.db.query('SELECT * FROM refresh_token_families'));
    expect(dump).not.toContain(first.refresh_token);

    const second = await refresh(first.refresh_token!);
    expect(second.status).toBe(200);
    expect(second.headers.get('cache-control')).toBe('no-store');
    expect(second.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{51}$/);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(claimsOf(second.body.access_token!)).toMatchObject({
      sub: claims.sub,
      username: 'ann',
      scope: 'read write',
    });
    const [consumed] = await t.db.query<{ consumed_at: Date | null }>(
      'SELECT consumed_at FROM refresh_tokens WHERE digest = $1',
      [digest],
    );
    expect(consumed.consumed_at).not.toBeNull();
  });

  it('narrows the access token on request, keeps the grant scope for the next refresh, and refuses widening without consuming the token', async () => {
    const first = await login('ben', 'read write');
    const narrow = await refresh(first.refresh_token!, app, 'read');
    expect(narrow.status).toBe(200);
    expect(narrow.body.scope).toBe('read');

    const wider = await refresh(narrow.body.refresh_token!, app, 'read write admin:none');
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');

    // The refused request did not consume the token, and the grant still has both scopes.
    const again = await refresh(narrow.body.refresh_token!);
    expect(again.status).toBe(200);
    expect(again.body.scope).toBe('read write');
  });

  it('revokes the whole family when a used refresh token comes back', async () => {
    const first = await login('cat');
    const second = await refresh(first.refresh_token!);
    expect(second.status).toBe(200);

    const replay = await refresh(first.refresh_token!);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');

    const afterRevocation = await refresh(second.body.refresh_token!);
    expect(afterRevocation.status).toBe(400);
    expect(afterRevocation.body.error).toBe('invalid_grant');

    const digest = refreshTokenKey(first.refresh_token!);
    const [family] = await t.db.query<{ id: string; revoked_reason: string; revoked_at: Date }>(
      `SELECT f.id, f.revoked_reason, f.revoked_at FROM refresh_token_families f
         JOIN refresh_tokens t ON t.family_id = f.id WHERE t.digest = $1`,
      [digest],
    );
    expect(family).toMatchObject({ revoked_reason: 'reuse' });
    const events = await t.db.query<{ type: string; details: { family_id: string } }>(
      `SELECT type, details FROM audit_events WHERE type = 'refresh.reuse_detected'`,
    );
    expect(events.map((e) => e.details.family_id)).toContain(family.id);
  });

  // 50 is more requests than the server has database connections.
  it.each([
    [20, 'dan'],
    [50, 'ivy'],
  ])(
    'lets exactly one of %i concurrent refreshes with one token win, then revokes the family',
    async (count, username) => {
      const first = await login(username);
      const results = await Promise.all(
        Array.from({ length: count }, () => refresh(first.refresh_token!)),
      );
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      for (const loser of results.filter((r) => r.status !== 200)) {
        expect(loser.status).toBe(400);
        expect(loser.body.error).toBe('invalid_grant');
      }
      const next = await refresh(winners[0].body.refresh_token!);
      expect(next.status).toBe(400);
      expect(next.body.error).toBe('invalid_grant');
      const tokens = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id
        WHERE f.user_id = (SELECT id FROM users WHERE username = $1)`,
        [username],
      );
      expect(tokens[0].n).toBe(2); // the original and the one winner's successor, nothing else
    },
  );

  it('answers each of many concurrent rotations on its own, whatever shares its statement', async () => {
    // Rotations that arrive together share one statement; none may decide another's fate.
    const names = ['jo', 'kim', 'lee', 'max', 'ned', 'oli'];
    for (const name of names) await createUser(t, admin, { username: name, password });
    const logins = await Promise.all(names.map((name) => login(name, 'read write')));
    const digest = refreshTokenKey;
    await t.db.query(
      `UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = 'test'
        WHERE id = (SELECT family_id FROM refresh_tokens WHERE digest = $1)`,
      [digest(logins[1].refresh_token!)],
    );
    const results = await Promise.all([
      refresh(logins[0].refresh_token!),
      refresh(logins[1].refresh_token!), // its family is revoked
      refresh(logins[2].refresh_token!, other), // another client's token
      refresh('A'.repeat(43)), // no such token
      refresh(logins[3].refresh_token!, app, 'admin:none'), // beyond the grant's scope
      refresh(logins[4].refresh_token!, app, 'read'),
      refresh(logins[5].refresh_token!),
    ]);
    expect(results.map((r) => [r.status, r.body.error])).toEqual([
      [200, undefined],
      [400, 'invalid_grant'],
      [400, 'invalid_grant'],
      [400, 'invalid_grant'],
      [400, 'invalid_scope'],
      [200, undefined],
      [200, undefined],
    ]);
    expect(claimsOf(results[5].body.access_token!).scope).toBe('read');
    // The refused ones changed nothing: those tokens still work for their own client...
    expect((await refresh(logins[2].refresh_token!)).status).toBe(200);
    expect((await refresh(logins[3].refresh_token!)).status).toBe(200);
    // ...the revoked family got no successor, and the winners' successors are live.
    const [{ n }] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM refresh_tokens
        WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE digest = $1)`,
      [digest(logins[1].refresh_token!)],
    );
    expect(n).toBe(1);
    for (const winner of [results[0], results[5], results[6]]) {
      expect((await refresh(winner.body.refresh_token!)).status).toBe(200);
    }
  });

  it('only the client the token was issued to may use it', async () => {
    const first = await login('eve');
    const stolen = await refresh(first.refresh_token!, other);
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    expect((await refresh(first.refresh_token!)).status).toBe(200);
  });

  it('refuses expired tokens and families past their absolute lifetime', async () => {
    const a = await login('fay');
    await t.db.query(
      `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE digest = $1`,
      [refreshTokenKey(a.refresh_token!)],
    );
    expect((await refresh(a.refresh_token!)).body.error).toBe('invalid_grant');

    const b = await login('fay');
    await t.db.query(
      `UPDATE refresh_token_families SET expires_at = now() - interval '1 second'
        WHERE id = (SELECT family_id FROM refresh_tokens WHERE digest = $1)`,
      [refreshTokenKey(b.refresh_token!)],
    );
    expect((await refresh(b.refresh_token!)).body.error).toBe('invalid_grant');
  });

  it('gives a new token at most the family’s remaining lifetime', async () => {
    const a = await login('gus');
    const digest = refreshTokenKey(a.refresh_token!);
    await t.db.query(
      `UPDATE refresh_token_families SET expires_at = now() + interval '1 hour'
        WHERE id = (SELECT family_id FROM refresh_tokens WHERE digest = $1)`,
      [digest],
    );
    const next = await refresh(a.refresh_token!);
    const [row] = await t.db.query<{ capped: boolean }>(
      `SELECT t.expires_at <= f.expires_at AS capped FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id
        WHERE t.digest = $1`,
      [refreshTokenKey(next.body.refresh_token!)],
    );
    expect(row.capped).toBe(true);
  });

  it('refuses refresh for a disabled user, and a client without the refresh_token grant gets none', async () => {
    const a = await login('hal');
    const users = await t.http.get<{ items: { id: string; username: string }[] }>(
      '/admin/users?limit=100',
      admin,
    );
    const hal = users.body.items.find((u) => u.username === 'hal')!;
    await t.http.request('POST', `/admin/users/${hal.id}/disable`, { auth: admin });
    const refused = await refresh(a.refresh_token!);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    await t.http.request('POST', `/admin/users/${hal.id}/enable`, { auth: admin });

    const noRefresh = await registerClient(t, admin, { grant_types: ['password'], scope: 'read' });
    const res = await token(
      t,
      { grant_type: 'password', username: 'hal', password },
      basic(noRefresh),
    );
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toBeUndefined();
    const bad = await refresh('made-up-token', noRefresh);
    expect(bad.body.error).toBe('unauthorized_client');
  });

  it.each([
    [{ grant_type: 'refresh_token' }, 'invalid_request'],
    [{ grant_type: 'refresh_token', refresh_token: 'x'.repeat(600) }, 'invalid_grant'],
    [{ grant_type: 'refresh_token', refresh_token: 'unknown' }, 'invalid_grant'],
    [
      { grant_type: 'refresh_token', refresh_token: 'unknown', scope: 'bad"scope' },
      'invalid_scope',
    ],
  ])('refuses %j with %s', async (params, error) => {
    const res = await token(t, params, basic(app));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
  });
});
