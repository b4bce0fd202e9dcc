import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { pkcePair } from '../support/pkce.js';
import { pollUntil } from '../support/poll.js';
import { AuthorizationDriver, CALLBACK } from './support/authorization-driver.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

const OTHER_CALLBACK = 'https://app.example.com/other';

// RFC 6749 §4.1.3, §10.5, RFC 7636 and RFC 9700 §4.5 (code injection), §4.8 (PKCE downgrade):
// a code is bound to its client, its redirect URI and its PKCE challenge. A code presented
// with anything else is refused with invalid_grant and is spent: whoever holds a stolen code
// gets one try, and it fails. Client authentication comes first, so a caller who cannot
// authenticate as the client never touches (or burns) the code.
describe('authorization code injection, PKCE downgrade and replay', () => {
  let t: SecurityApp;
  let drive: AuthorizationDriver;
  let admin: Credentials;
  let web: Registered; // confidential, PKCE required, refresh tokens
  let other: Registered; // another confidential client with the same redirect URIs
  let spa: Registered; // public
  let legacy: Registered; // confidential, PKCE optional, plain allowed
  let user: { id: string };

  const USER = 'frank';

  const introspect = (accessToken: string) =>
    t.http.form<{ active: boolean }>('/oauth/introspect', { token: accessToken }, basic(web));

  /** The code is spent: even the right client with the right verifier cannot use it now. */
  async function expectSpent(client: Registered, code: string, verifier: string) {
    const res = await drive.exchange(client, code, { code_verifier: verifier });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  }

  const familiesOfUser = async () =>
    (
      await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM refresh_token_families WHERE user_id = $1',
        [user.id],
      )
    )[0].n;

  beforeAll(async () => {
    t = await startSecurityApp();
    drive = new AuthorizationDriver(t);
    admin = await adminAuth(t);
    const common = {
      redirect_uris: [CALLBACK, OTHER_CALLBACK],
      scope: 'openid notes:read notes:write',
    };
    web = await registerClient(t, admin, {
      ...common,
      client_name: 'Notes Web',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    other = await registerClient(t, admin, {
      ...common,
      client_name: 'Other',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    spa = await registerClient(t, admin, {
      ...common,
      client_name: 'SPA',
      token_endpoint_auth_method: 'none',
    });
    legacy = await registerClient(t, admin, {
      ...common,
      client_name: 'Legacy',
      require_pkce: false,
      allow_plain_pkce: true,
    });
    user = await createUser(t, admin, { username: USER, password: 'correct horse battery staple' });
  });
  afterAll(async () => {
    try {
      await t.expectNoSecretInLogs();
    } finally {
      await t.close();
    }
  });

  describe('a code is bound to its client', () => {
    it('a code redeemed by another confidential client fails, issues nothing, and is spent', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const families = await familiesOfUser();
      const res = await drive.exchange(other, code, { code_verifier: verifier });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      expect(res.body.access_token).toBeUndefined();
      expect(await familiesOfUser()).toBe(families);
      await expectSpent(web, code, verifier);
    });

    it('a confidential client code redeemed as a public client (client_id only) fails', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const res = await token(t, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
        client_id: spa.client_id,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      await expectSpent(web, code, verifier);
    });

    it('a public client code redeemed by a confidential client fails', async () => {
      const { code, verifier } = await drive.codeFor(spa, USER);
      const res = await drive.exchange(web, code, { code_verifier: verifier });
      expect(res.body.error).toBe('invalid_grant');
      await expectSpent(spa, code, verifier);
    });

    it('a stolen code without the client secret is refused before the code is touched', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const unauthenticated = await token(t, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
        client_id: web.client_id,
      });
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.body.error).toBe('invalid_client');
      const wrongSecret = await token(
        t,
        { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
        { basic: [web.client_id, 'not-the-secret-at-all'] },
      );
      expect(wrongSecret.status).toBe(401);
      // The attacker could not burn the code: its client still redeems it.
      expect((await drive.exchange(web, code, { code_verifier: verifier })).status).toBe(200);
    });
  });

  describe('a code is bound to its redirect URI', () => {
    it('another registered redirect_uri fails and spends the code', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const res = await drive.exchange(web, code, {
        code_verifier: verifier,
        redirect_uri: OTHER_CALLBACK,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      await expectSpent(web, code, verifier);
    });

    it('an attacker redirect_uri fails', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const res = await drive.exchange(web, code, {
        code_verifier: verifier,
        redirect_uri: 'https://evil.example/callback',
      });
      expect(res.body.error).toBe('invalid_grant');
    });

    it('a redirect_uri omitted at the token endpoint when the request named one fails', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const res = await token(
        t,
        { grant_type: 'authorization_code', code, code_verifier: verifier },
        basic(web),
      );
      expect(res.body.error).toBe('invalid_grant');
    });

    it('a redirect_uri at the token endpoint when the request named none must still match', async () => {
      const single = await registerClient(t, admin, {
        redirect_uris: [CALLBACK],
        scope: 'notes:read',
      });
      const { code, verifier } = await drive.codeFor(single, USER, { redirect_uri: '' });
      const res = await drive.exchange(single, code, {
        code_verifier: verifier,
        redirect_uri: OTHER_CALLBACK,
      });
      expect(res.body.error).toBe('invalid_grant');
    });
  });

  describe('a code is bound to its PKCE challenge', () => {
    it('a wrong verifier fails and spends the code', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const res = await drive.exchange(web, code, { code_verifier: pkcePair().verifier });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      await expectSpent(web, code, verifier);
    });

    it('the verifier of another code of the same client (code injection) fails', async () => {
      const victim = await drive.codeFor(web, USER);
      const attacker = await drive.codeFor(web, USER);
      // The attacker's code, injected into the victim's session, meets the victim's verifier.
      const res = await drive.exchange(web, attacker.code, { code_verifier: victim.verifier });
      expect(res.body.error).toBe('invalid_grant');
    });

    it('a malformed verifier is invalid_request and leaves the code unspent', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const res = await drive.exchange(web, code, { code_verifier: 'too-short' });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect((await drive.exchange(web, code, { code_verifier: verifier })).status).toBe(200);
    });
  });

  describe('PKCE downgrade', () => {
    it('a code issued with a challenge, redeemed without a verifier, fails and is spent', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const res = await token(
        t,
        { grant_type: 'authorization_code', code, redirect_uri: CALLBACK },
        basic(web),
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      await expectSpent(web, code, verifier);
    });

    it('a code issued with S256, redeemed with the challenge itself as verifier (plain), fails', async () => {
      const { verifier, challenge } = pkcePair();
      const redirect = await drive.complete(
        drive.browser(),
        drive.authorizeUrl(web, { code_challenge: challenge, code_challenge_method: 'S256' }),
        USER,
      );
      const code = redirect.searchParams.get('code')!;
      const res = await drive.exchange(web, code, { code_verifier: challenge });
      expect(res.body.error).toBe('invalid_grant');
      t.ledger.values.delete(challenge); // public: it was in the authorize URL
      await expectSpent(web, code, verifier);
    });

    it('a code issued without a challenge, redeemed with a verifier, fails', async () => {
      const redirect = await drive.complete(drive.browser(), drive.authorizeUrl(legacy), USER);
      const code = redirect.searchParams.get('code')!;
      const res = await drive.exchange(legacy, code, { code_verifier: pkcePair().verifier });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    });

    it.each([
      ['a public client without a challenge', 'spa', {}],
      ['a confidential client without a challenge (PKCE required by default)', 'web', {}],
      [
        'plain for a client not allowed it',
        'web',
        { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
      ],
      [
        'plain for a public client',
        'spa',
        { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
      ],
      [
        'a challenge without a method (plain by default) for a public client',
        'spa',
        { code_challenge: 'a'.repeat(43) },
      ],
      [
        'an unknown method',
        'web',
        { code_challenge: 'a'.repeat(43), code_challenge_method: 'S512' },
      ],
      ['a method without a challenge', 'legacy', { code_challenge_method: 'S256' }],
      [
        'a challenge outside the unreserved characters',
        'web',
        { code_challenge: `${'a'.repeat(42)}+`, code_challenge_method: 'S256' },
      ],
      [
        'a challenge too short',
        'web',
        { code_challenge: 'a'.repeat(42), code_challenge_method: 'S256' },
      ],
    ])('is refused at the authorization endpoint: %s', async (_name, which, params) => {
      const client = { spa, web, legacy }[which]!;
      const before = await t.db.query('SELECT id FROM authorization_requests');
      const res = await drive.browser().get(drive.authorizeUrl(client, params));
      expect(res.status).toBe(302);
      const url = new URL(res.location!);
      expect(`${url.origin}${url.pathname}`).toBe(CALLBACK);
      expect(url.searchParams.get('error')).toBe('invalid_request');
      expect(url.searchParams.get('code')).toBeNull();
      expect(await t.db.query('SELECT id FROM authorization_requests')).toEqual(before);
    });

    it('a public client registered with allow_plain_pkce still has to use S256', async () => {
      const lax = await registerClient(t, admin, {
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'none',
        allow_plain_pkce: true,
        scope: 'notes:read',
      });
      const res = await drive.browser().get(
        drive.authorizeUrl(lax, {
          code_challenge: pkcePair().verifier,
          code_challenge_method: 'plain',
        }),
      );
      expect(new URL(res.location!).searchParams.get('error')).toBe('invalid_request');
    });

    it('plain is accepted for a confidential client configured for it (control)', async () => {
      const verifier = pkcePair().verifier;
      const redirect = await drive.complete(
        drive.browser(),
        drive.authorizeUrl(legacy, { code_challenge: verifier, code_challenge_method: 'plain' }),
        USER,
      );
      const res = await drive.exchange(legacy, redirect.searchParams.get('code')!, {
        code_verifier: verifier,
      });
      expect(res.status).toBe(200);
      // With plain the verifier is the challenge, public in the authorize URL: the reason
      // plain is refused unless a client is configured for it.
      t.ledger.values.delete(verifier);
    });
  });

  describe('code replay', () => {
    /** Everything issued by a first redemption is dead: introspection, userinfo, refresh. */
    async function expectRevoked(first: { access_token?: string; refresh_token?: string }) {
      expect((await introspect(first.access_token!)).body.active).toBe(false);
      const info = await t.http.get('/oauth/userinfo', { bearer: first.access_token! });
      expect(info.status).toBe(401);
      const refreshed = await token(
        t,
        { grant_type: 'refresh_token', refresh_token: first.refresh_token! },
        basic(web),
      );
      expect(refreshed.status).toBe(400);
      expect(refreshed.body.error).toBe('invalid_grant');
    }

    it('the second redemption fails and revokes the access and refresh tokens of the first', async () => {
      const { code, verifier } = await drive.codeFor(web, USER, { scope: 'openid notes:read' });
      const first = await drive.exchange(web, code, { code_verifier: verifier });
      expect(first.status).toBe(200);
      expect((await introspect(first.body.access_token!)).body.active).toBe(true);
      expect(
        (await t.http.get('/oauth/userinfo', { bearer: first.body.access_token! })).status,
      ).toBe(200);

      const replay = await drive.exchange(web, code, { code_verifier: verifier });
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
      expect(replay.body.access_token).toBeUndefined();
      await expectRevoked(first.body);
    });

    it('a replay by another client also revokes what the first redemption issued', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const first = await drive.exchange(web, code, { code_verifier: verifier });
      expect(first.status).toBe(200);
      const replay = await drive.exchange(other, code, { code_verifier: verifier });
      expect(replay.body.error).toBe('invalid_grant');
      await expectRevoked(first.body);
    });

    it('concurrent redemptions: one answer with tokens, and those tokens end up revoked', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      const results = await Promise.all(
        Array.from({ length: 4 }, () => drive.exchange(web, code, { code_verifier: verifier })),
      );
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      for (const loser of results.filter((r) => r.status !== 200)) {
        expect(loser.body.error).toBe('invalid_grant');
      }
      await expectRevoked(winners[0].body);
    });

    it('a replay while the first redemption is still minting revokes what it then issues', async () => {
      const { code, verifier } = await drive.codeFor(web, USER);
      // Hold the first redemption between consuming the code and recording what it issued:
      // its refresh token family cannot be written while this lock is held.
      const lock = new pg.Client({ connectionString: t.database.url });
      await lock.connect();
      const digest = createHash('sha256').update(code).digest();
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE refresh_token_families IN SHARE ROW EXCLUSIVE MODE');
      const first = drive.exchange(web, code, { code_verifier: verifier });
      try {
        const consumed = await pollUntil(
          () =>
            t.db.query(
              'SELECT 1 FROM authorization_codes WHERE digest = $1 AND consumed_at IS NOT NULL',
              [digest],
            ),
          (rows) => rows.length > 0,
          { timeoutMs: 5000, intervalMs: 20 },
        );
        expect(consumed).toHaveLength(1);
        const replay = await drive.exchange(web, code, { code_verifier: verifier });
        expect(replay.body.error).toBe('invalid_grant');
      } finally {
        await lock.query('COMMIT');
        await lock.end();
      }
      const winner = await first;
      expect(winner.status).toBe(200);
      await expectRevoked(winner.body);
    });
  });
});
