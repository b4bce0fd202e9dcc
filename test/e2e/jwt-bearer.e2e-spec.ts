import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  assertion,
  basic,
  CLIENT_ASSERTION_TYPE,
  claimsOf,
  JWT_BEARER,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Key = { privateKey: KeyObject; kid: string; alg: string; jwk: Record<string, unknown> };

function makeKey(alg: 'ES256' | 'RS256', kid: string): Key {
  const { privateKey, publicKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    kid,
    alg,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  };
}

describe('RFC 7523: jwt-bearer grant and private_key_jwt', () => {
  let t: TestApp;
  let admin: Credentials;
  let service: Registered;
  let withSecret: Registered;
  const es = makeKey('ES256', 'es-1');
  const rs = makeKey('RS256', 'rs-1');
  const stranger = makeKey('ES256', 'es-1'); // same kid, not registered

  const grant = (jwt: string, extra: Record<string, string> = {}, auth?: Credentials) =>
    token(t, { grant_type: JWT_BEARER, assertion: jwt, ...extra }, auth);
  const sign = (key: Key, overrides = {}, header = {}) =>
    assertion(key, service.client_id, t.baseUrl, overrides, header);

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    service = await registerClient(t, admin, {
      client_name: 'coze-style service',
      grant_types: [JWT_BEARER, 'client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      scope: 'chat files',
      jwks: { keys: [es.jwk, rs.jwk] },
    });
    withSecret = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      jwks: { keys: [es.jwk] },
    });
  });
  afterAll(() => t.close());

  describe('the grant (§2.1)', () => {
    it('issues an access token for the client, carrying session_name, with the assertion alone', async () => {
      const res = await grant(await sign(es, { session_name: 'user-42' }));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'chat files',
      });
      expect(res.body.refresh_token).toBeUndefined();
      expect(claimsOf(res.body.access_token!)).toMatchObject({
        sub: service.client_id,
        client_id: service.client_id,
        session_name: 'user-42',
      });
    });

    it('accepts RS256, the token endpoint as audience, a narrower scope and a shorter duration', async () => {
      const res = await grant(await assertion(rs, service.client_id, `${t.baseUrl}/oauth/token`), {
        scope: 'chat',
        duration_seconds: '120',
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ scope: 'chat', expires_in: 120 });
      const claims = claimsOf(res.body.access_token!) as { exp: number; iat: number };
      expect(claims.exp - claims.iat).toBe(120);
    });

    it('never lengthens the token past ACCESS_TOKEN_TTL', async () => {
      const res = await grant(await sign(es), { duration_seconds: '86399' });
      expect(res.body.expires_in).toBe(900);
    });

    it('also works with the client authenticating itself (private_key_jwt)', async () => {
      const res = await grant(await sign(es), {
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await sign(es),
      });
      expect(res.status).toBe(200);
    });

    const refused: [string, () => Promise<string>][] = [
      ['a bad signature', () => sign(stranger)],
      ['a wrong audience', () => assertion(es, service.client_id, 'https://elsewhere.example.com')],
      [
        'an expired assertion',
        () =>
          sign(es, {
            iat: Math.floor(Date.now() / 1000) - 600,
            exp: Math.floor(Date.now() / 1000) - 60,
          }),
      ],
      ['an unknown kid', () => sign(es, {}, { kid: 'nope' })],
      [
        'no kid',
        () =>
          new SignJWT({
            iss: service.client_id,
            sub: service.client_id,
            aud: t.baseUrl,
            iat: Math.floor(Date.now() / 1000),
            exp: Math.floor(Date.now() / 1000) + 60,
            jti: 'x1',
          })
            .setProtectedHeader({ alg: 'ES256' })
            .sign(es.privateKey),
      ],
      ['a lifetime over an hour', () => sign(es, { exp: Math.floor(Date.now() / 1000) + 7200 })],
      [
        'an iat in the future',
        () =>
          sign(es, {
            iat: Math.floor(Date.now() / 1000) + 600,
            exp: Math.floor(Date.now() / 1000) + 900,
          }),
      ],
      ['no jti', () => sign(es, { jti: undefined })],
      ['a sub other than the client', () => sign(es, { sub: 'someone-else' })],
      ['an issuer that is no client', () => assertion(es, 'no-such-client', t.baseUrl)],
      ['a non-string session_name', () => sign(es, { session_name: 42 })],
    ];
    it.each(refused)('refuses %s with invalid_grant', async (_name, make) => {
      const res = await grant(await make());
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      expect(res.body.access_token).toBeUndefined();
    });

    it('refuses a replayed jti', async () => {
      const jwt = await sign(es);
      expect((await grant(jwt)).status).toBe(200);
      const replay = await grant(jwt);
      expect(replay.status).toBe(400);
      expect(replay.body).toMatchObject({ error: 'invalid_grant' });
      expect(replay.body.error_description).toContain('jti');
    });

    it('refuses an assertion issued by another client than the one authenticated', async () => {
      const viaSecret = await registerClient(t, admin, {
        grant_types: [JWT_BEARER],
        jwks: { keys: [rs.jwk] },
      });
      const res = await grant(await sign(es), {}, basic(viaSecret));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      expect(res.body.error_description).toContain('another client');
      const notRegistered = await grant(await sign(es), {}, basic(withSecret));
      expect(notRegistered.body.error).toBe('unauthorized_client');
    });

    it('refuses a garbage assertion and a missing one', async () => {
      expect((await grant('not.a.jwt')).body.error).toBe('invalid_grant');
      expect((await token(t, { grant_type: JWT_BEARER }, undefined)).body.error).toBe(
        'invalid_request',
      );
    });

    it.each(['0', '-5', 'abc', '1.5'])('refuses duration_seconds=%s', async (value) => {
      const res = await grant(await sign(es), { duration_seconds: value });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });
  });

  describe('client authentication (§2.2)', () => {
    const cc = (clientAssertion: string, extra: Record<string, string> = {}) =>
      token(t, {
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: clientAssertion,
        ...extra,
      });

    it('authenticates a private_key_jwt client', async () => {
      const res = await cc(await sign(es), { client_id: service.client_id });
      expect(res.status).toBe(200);
      expect(claimsOf(res.body.access_token!)).toMatchObject({ client_id: service.client_id });
    });

    it.each([
      [
        'a replayed assertion',
        async () => {
          const jwt = await sign(es);
          await cc(jwt);
          return jwt;
        },
      ],
      ['a wrong audience', () => assertion(es, service.client_id, 'https://elsewhere.example.com')],
      ['a bad signature', () => sign(stranger)],
      [
        'an expired one',
        () =>
          sign(es, {
            iat: Math.floor(Date.now() / 1000) - 600,
            exp: Math.floor(Date.now() / 1000) - 60,
          }),
      ],
    ])('refuses %s with 401 invalid_client', async (_name, make) => {
      const res = await cc(await make());
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('refuses an assertion from a client registered for a secret', async () => {
      const res = await cc(await assertion(es, withSecret.client_id, t.baseUrl));
      expect(res.status).toBe(401);
    });

    it('refuses a wrong client_assertion_type, and an assertion beside Basic credentials', async () => {
      const wrongType = await token(t, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:x',
        client_assertion: await sign(es),
      });
      expect(wrongType.status).toBe(401);
      const both = await token(
        t,
        {
          grant_type: 'client_credentials',
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: await sign(es),
        },
        basic(withSecret),
      );
      expect(both.status).toBe(400);
      expect(both.body.error).toBe('invalid_request');
    });

    it('stores each seen jti until it expires', async () => {
      const rows = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM used_assertions WHERE client_id = $1 AND expires_at > now()`,
        [service.client_id],
      );
      expect(rows[0].n).toBeGreaterThan(3);
    });
  });

  it('registration requires keys for private_key_jwt and the jwt-bearer grant', async () => {
    const res = await t.http.json('POST', '/admin/clients', { grant_types: [JWT_BEARER] }, admin);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client_metadata');
    const secretless = await t.http.json<{ client_secret?: string }>(
      'POST',
      '/admin/clients',
      {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [es.jwk] },
      },
      admin,
    );
    expect(secretless.status).toBe(201);
    expect(secretless.body.client_secret).toBeUndefined();
  });
});
