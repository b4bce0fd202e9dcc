import { randomUUID } from 'node:crypto';
import { HttpClient, type Credentials, type HttpResponse } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  CLIENT_ASSERTION_TYPE,
  createUser,
  JWT_BEARER,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startSibling, type ServerProcess } from '../support/server-process.js';
import {
  compactJws,
  makeKey,
  serverSigningKeysWithStatus,
  startAttackerServer,
  type Claims,
  type Header,
  type SigningKey,
} from './support/forge.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

const now = () => Math.floor(Date.now() / 1000);

/** How a place that takes a JWT answers one. */
type Verdict = 'accepted' | 'refused';

/**
 * Forged JWTs (RFC 8725, RFC 7515 §4.1) at every place Portcullis accepts one. The server
 * first booted with ES256 and then with RS256, and rotated once: it publishes, among its keys
 * of every algorithm, an ES256 key (retired), an RS256 key (retired) and the active RS256 key,
 * so confusions between keys and algorithms are all possible. Every forgery has a control: the same claims, correctly signed,
 * are accepted, so each refusal is about the one thing the forgery changed.
 */
describe('forged JWTs', () => {
  let t: SecurityApp;
  let admin: Credentials;
  let sibling: ServerProcess;
  let siblingApi: HttpClient;
  let attacker: Awaited<ReturnType<typeof startAttackerServer>>;
  const attackerKey = makeKey('RS256', 'attacker-key');
  let active: SigningKey; // RS256, signs new tokens
  let previous: SigningKey; // RS256, retired by the rotation
  let ecKey: SigningKey; // ES256, retired by the rotation
  let app: Registered;
  let introspector: Registered;
  let user: { id: string; username: string };

  beforeAll(async () => {
    attacker = await startAttackerServer({ keys: [attackerKey.jwk] });
    const first = await startSecurityApp({ env: { SIGNING_ALG: 'ES256' } });
    await first.expectNoSecretInLogs();
    await first.close({ keepData: true });
    t = await startSecurityApp({
      database: first.database,
      dataDir: first.dataDir,
      port: first.port,
      env: { SIGNING_ALG: 'RS256', ADMIN_CLIENT_SECRET: first.admin.secret },
    });
    admin = await adminAuth(t);
    expect((await t.http.request('POST', '/admin/keys/rotate', { auth: admin })).status).toBe(201);
    // Newest first; the rotation made a new key of every algorithm.
    const keys = await serverSigningKeysWithStatus(t);
    const [rsActive, rsPrevious] = keys.filter((key) => key.alg === 'RS256');
    const esRetired = keys.filter((key) => key.alg === 'ES256')[1];
    expect([rsActive, rsPrevious, esRetired].map((key) => [key.alg, key.status])).toEqual([
      ['RS256', 'active'],
      ['RS256', 'retired'],
      ['ES256', 'retired'],
    ]);
    [active, previous, ecKey] = [rsActive, rsPrevious, esRetired];
    const published = await t.http.get<{ keys: { kid: string }[] }>('/.well-known/jwks.json');
    expect(published.body.keys.map((k) => k.kid).sort()).toEqual(keys.map((k) => k.kid).sort());

    app = await registerClient(t, admin, {
      grant_types: ['password', 'client_credentials'],
      scope: 'openid notes:read',
    });
    introspector = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'introspect',
    });
    user = await createUser(t, admin, { username: 'una', password: 'correct horse battery' });
    sibling = await startSibling({ ISSUER: t.baseUrl });
    siblingApi = new HttpClient(sibling.baseUrl);
  }, 60_000);
  afterEach(() => {
    // jku and x5u are never dereferenced: the attacker's server saw nothing, ever.
    expect(attacker.requests).toEqual([]);
  });
  afterAll(async () => {
    await sibling?.stop();
    await attacker?.close();
    await t.expectNoSecretInLogs();
    await t.close();
  });

  /** The header the server itself would write. */
  const serverHeader = (): Header => ({ alg: active.alg, kid: active.kid, typ: 'at+jwt' });
  const accessClaims = (extra: Claims): Claims => ({
    iss: t.baseUrl,
    aud: t.baseUrl,
    iat: now(),
    exp: now() + 300,
    jti: randomUUID(),
    ...extra,
  });

  const refusedWithChallenge = (res: HttpResponse): Verdict => {
    if (res.status === 200) return 'accepted';
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_token' });
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="[^"]+", error="invalid_token"/,
    );
    return 'refused';
  };

  /** Every place that takes a Portcullis access token, with claims it would accept. */
  const places: {
    name: string;
    claims: () => Claims;
    present: (jwt: string) => Promise<Verdict>;
  }[] = [
    {
      name: 'GET /oauth/userinfo',
      claims: () =>
        accessClaims({
          sub: user.id,
          username: user.username,
          client_id: app.client_id,
          scope: 'openid',
        }),
      present: async (jwt) =>
        refusedWithChallenge(await t.http.get('/oauth/userinfo', { bearer: jwt })),
    },
    {
      name: 'the admin API',
      claims: () => accessClaims({ sub: t.admin.id, client_id: t.admin.id, scope: 'admin' }),
      present: async (jwt) =>
        refusedWithChallenge(await t.http.get('/admin/clients', { bearer: jwt })),
    },
    {
      name: 'POST /oauth/introspect',
      claims: () =>
        accessClaims({ sub: app.client_id, client_id: app.client_id, scope: 'notes:read' }),
      present: async (jwt) => {
        const res = await t.http.form<{ active: boolean }>(
          '/oauth/introspect',
          { token: jwt },
          basic(introspector),
        );
        expect(res.status).toBe(200);
        if (!res.body.active) expect(res.body).toEqual({ active: false });
        return res.body.active ? 'accepted' : 'refused';
      },
    },
    {
      name: 'the sibling-service guard',
      claims: () =>
        accessClaims({ sub: app.client_id, client_id: app.client_id, scope: 'notes:read' }),
      present: async (jwt) => refusedWithChallenge(await siblingApi.get('/notes', { bearer: jwt })),
    },
  ];

  const hmacKeys: [string, () => string | Buffer, () => SigningKey][] = [
    ['the active key as PEM', () => active.pem, () => active],
    ['the active key as JWK JSON', () => JSON.stringify(active.jwk), () => active],
    ['the active key’s JWK n', () => active.jwk.n as string, () => active],
    [
      'the active key’s n bytes',
      () => Buffer.from(active.jwk.n as string, 'base64url'),
      () => active,
    ],
    ['the EC key as PEM', () => ecKey.pem, () => ecKey],
    ['the EC key’s JWK x', () => ecKey.jwk.x as string, () => ecKey],
    ['the EC key’s x bytes', () => Buffer.from(ecKey.jwk.x as string, 'base64url'), () => ecKey],
  ];

  /** Each forgery: a name, and how to make it from claims the place would accept. */
  const forgeries: [string, (claims: Claims) => string][] = [
    ['alg none (unsigned)', (c) => compactJws({ ...serverHeader(), alg: 'none' }, c, 'unsigned')],
    ['alg NONE (unsigned)', (c) => compactJws({ ...serverHeader(), alg: 'NONE' }, c, 'unsigned')],
    [
      'alg none keeping a real signature',
      (c) => {
        const real = compactJws(serverHeader(), c, active.privateKey).split('.')[2];
        return `${compactJws({ ...serverHeader(), alg: 'none' }, c, 'unsigned')}${real}`;
      },
    ],
    ...hmacKeys.map(([name, secret, key]): [string, (claims: Claims) => string] => [
      `HS256 keyed with ${name} (key confusion)`,
      (c) => compactJws({ alg: 'HS256', kid: key().kid, typ: 'at+jwt' }, c, { hmac: secret() }),
    ]),
    [
      'kid of another server key (signed by the retired key, naming the active one)',
      (c) => compactJws(serverHeader(), c, previous.privateKey),
    ],
    [
      'an unknown kid',
      (c) => compactJws({ ...serverHeader(), kid: 'no-such-key' }, c, active.privateKey),
    ],
    [
      'kid of a key of another algorithm (RS256 under the ES256 key’s kid)',
      (c) => compactJws({ ...serverHeader(), kid: ecKey.kid }, c, active.privateKey),
    ],
    [
      'an attacker key under the server’s kid',
      (c) => compactJws(serverHeader(), c, attackerKey.privateKey),
    ],
    [
      'jku pointing at the attacker’s JWKS',
      (c) =>
        compactJws(
          { alg: 'RS256', typ: 'at+jwt', kid: attackerKey.kid, jku: `${attacker.url}/jwks.json` },
          c,
          attackerKey.privateKey,
        ),
    ],
    [
      'jku pointing at the attacker’s JWKS, with the server’s kid',
      (c) =>
        compactJws(
          { ...serverHeader(), jku: `${attacker.url}/jwks.json` },
          c,
          attackerKey.privateKey,
        ),
    ],
    [
      'x5u pointing at the attacker’s server',
      (c) =>
        compactJws(
          { alg: 'RS256', typ: 'at+jwt', kid: attackerKey.kid, x5u: `${attacker.url}/cert.pem` },
          c,
          attackerKey.privateKey,
        ),
    ],
    [
      'an embedded jwk header (the attacker’s key)',
      (c) =>
        compactJws(
          { alg: 'RS256', typ: 'at+jwt', kid: attackerKey.kid, jwk: attackerKey.jwk },
          c,
          attackerKey.privateKey,
        ),
    ],
    [
      'an embedded jwk header under the server’s kid',
      (c) => compactJws({ ...serverHeader(), jwk: attackerKey.jwk }, c, attackerKey.privateKey),
    ],
    [
      'an unknown crit extension (signed by the server key)',
      (c) =>
        compactJws(
          { ...serverHeader(), crit: ['urn:attacker:ext'], 'urn:attacker:ext': true },
          c,
          active.privateKey,
        ),
    ],
    [
      'an expired token (signed by the server key)',
      (c) =>
        compactJws(serverHeader(), { ...c, iat: now() - 900, exp: now() - 120 }, active.privateKey),
    ],
    [
      'nbf in the future (signed by the server key)',
      (c) => compactJws(serverHeader(), { ...c, nbf: now() + 600 }, active.privateKey),
    ],
    [
      'a wrong iss (signed by the server key)',
      (c) =>
        compactJws(serverHeader(), { ...c, iss: 'https://evil.example.com' }, active.privateKey),
    ],
    [
      'a wrong aud (signed by the server key)',
      (c) =>
        compactJws(
          serverHeader(),
          { ...c, aud: 'https://api.elsewhere.example' },
          active.privateKey,
        ),
    ],
    [
      'typ JWT instead of at+jwt (signed by the server key)',
      (c) => compactJws({ ...serverHeader(), typ: 'JWT' }, c, active.privateKey),
    ],
    [
      'no typ (signed by the server key)',
      (c) => compactJws({ alg: active.alg, kid: active.kid }, c, active.privateKey),
    ],
  ];

  describe.each(places)('access tokens at $name', ({ claims, present }) => {
    it('control: the same claims correctly signed with the server key are accepted', async () => {
      expect(await present(compactJws(serverHeader(), claims(), active.privateKey))).toBe(
        'accepted',
      );
      // A token of the retired keys is still good until it expires (they are published).
      expect(
        await present(
          compactJws({ ...serverHeader(), kid: previous.kid }, claims(), previous.privateKey),
        ),
      ).toBe('accepted');
    });

    it.each(forgeries)('refuses %s', async (_name, forge) => {
      expect(await present(forge(claims()))).toBe('refused');
    });
  });

  describe('assertions a client signs (RFC 7523)', () => {
    let service: Registered;
    let other: Registered;
    const es1 = makeKey('ES256', 'es-1');
    const es2 = makeKey('ES256', 'es-2');
    const rs1 = makeKey('RS256', 'rs-1');

    beforeAll(async () => {
      service = await registerClient(t, admin, {
        grant_types: [JWT_BEARER, 'client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        scope: 'notes:read',
        jwks: { keys: [es1.jwk, es2.jwk, rs1.jwk] },
      });
      // Another client of the same kind, whose own key has the same kid as the service's.
      other = await registerClient(t, admin, {
        grant_types: [JWT_BEARER, 'client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        scope: 'notes:read',
        jwks: { keys: [makeKey('ES256', es1.kid).jwk] },
      });
    });

    const assertionClaims = (): Claims => ({
      iss: service.client_id,
      sub: service.client_id,
      aud: t.baseUrl,
      iat: now(),
      exp: now() + 120,
      jti: randomUUID(),
    });
    const esHeader = (): Header => ({ alg: 'ES256', kid: es1.kid, typ: 'JWT' });

    const uses: { name: string; present: (jwt: string) => Promise<Verdict> }[] = [
      {
        name: 'private_key_jwt client authentication',
        present: async (jwt) => {
          const res = await token(t, {
            grant_type: 'client_credentials',
            client_assertion_type: CLIENT_ASSERTION_TYPE,
            client_assertion: jwt,
          });
          if (res.status === 200) return 'accepted';
          expect(res.status).toBe(401);
          expect(res.body).toMatchObject({ error: 'invalid_client' });
          expect(res.body.access_token).toBeUndefined();
          return 'refused';
        },
      },
      {
        name: 'the jwt-bearer grant',
        present: async (jwt) => {
          const res = await token(t, { grant_type: JWT_BEARER, assertion: jwt });
          if (res.status === 200) return 'accepted';
          expect(res.status).toBe(400);
          expect(res.body).toMatchObject({ error: 'invalid_grant' });
          expect(res.body.access_token).toBeUndefined();
          return 'refused';
        },
      },
    ];

    const assertionForgeries: [string, (claims: Claims) => string][] = [
      ['alg none (unsigned)', (c) => compactJws({ ...esHeader(), alg: 'none' }, c, 'unsigned')],
      [
        'HS256 keyed with the registered key as PEM',
        (c) => compactJws({ ...esHeader(), alg: 'HS256' }, c, { hmac: es1.pem }),
      ],
      [
        'HS256 keyed with the registered key as JWK JSON',
        (c) => compactJws({ ...esHeader(), alg: 'HS256' }, c, { hmac: JSON.stringify(es1.jwk) }),
      ],
      [
        'HS256 keyed with the registered JWK x',
        (c) => compactJws({ ...esHeader(), alg: 'HS256' }, c, { hmac: es1.jwk.x as string }),
      ],
      [
        'HS256 keyed with the registered RSA JWK n',
        (c) =>
          compactJws({ alg: 'HS256', kid: rs1.kid, typ: 'JWT' }, c, { hmac: rs1.jwk.n as string }),
      ],
      [
        'kid of another registered key (signed by es-1, naming es-2)',
        (c) => compactJws({ ...esHeader(), kid: es2.kid }, c, es1.privateKey),
      ],
      ['an unknown kid', (c) => compactJws({ ...esHeader(), kid: 'es-9' }, c, es1.privateKey)],
      [
        'kid of a key of another algorithm (RS256 under the ES256 key’s kid)',
        (c) => compactJws({ alg: 'RS256', kid: es1.kid, typ: 'JWT' }, c, rs1.privateKey),
      ],
      [
        'jku pointing at the attacker’s JWKS',
        (c) =>
          compactJws(
            { alg: 'RS256', kid: attackerKey.kid, jku: `${attacker.url}/jwks.json` },
            c,
            attackerKey.privateKey,
          ),
      ],
      [
        'x5u pointing at the attacker’s server',
        (c) =>
          compactJws(
            { alg: 'RS256', kid: rs1.kid, x5u: `${attacker.url}/cert.pem` },
            c,
            attackerKey.privateKey,
          ),
      ],
      [
        'an embedded jwk header (the attacker’s key)',
        (c) =>
          compactJws(
            { alg: 'RS256', kid: rs1.kid, jwk: attackerKey.jwk },
            c,
            attackerKey.privateKey,
          ),
      ],
      [
        'an unknown crit extension (signed by the registered key)',
        (c) =>
          compactJws(
            { ...esHeader(), crit: ['urn:attacker:ext'], 'urn:attacker:ext': true },
            c,
            es1.privateKey,
          ),
      ],
      [
        'an expired assertion',
        (c) => compactJws(esHeader(), { ...c, iat: now() - 600, exp: now() - 120 }, es1.privateKey),
      ],
      [
        'nbf in the future',
        (c) => compactJws(esHeader(), { ...c, nbf: now() + 600 }, es1.privateKey),
      ],
      [
        'a wrong iss (the server itself)',
        (c) => compactJws(esHeader(), { ...c, iss: t.baseUrl }, es1.privateKey),
      ],
      [
        'a wrong iss (another client, whose key has the same kid)',
        (c) => compactJws(esHeader(), { ...c, iss: other.client_id }, es1.privateKey),
      ],
      [
        'a wrong iss and sub (another client, whose key has the same kid)',
        (c) =>
          compactJws(
            esHeader(),
            { ...c, iss: other.client_id, sub: other.client_id },
            es1.privateKey,
          ),
      ],
      [
        'a wrong aud',
        (c) =>
          compactJws(esHeader(), { ...c, aud: 'https://elsewhere.example.com' }, es1.privateKey),
      ],
    ];

    describe.each(uses)('at $name', ({ present }) => {
      it('control: correctly signed assertions are accepted, with each registered key', async () => {
        expect(await present(compactJws(esHeader(), assertionClaims(), es1.privateKey))).toBe(
          'accepted',
        );
        expect(
          await present(
            compactJws({ alg: 'RS256', kid: rs1.kid }, assertionClaims(), rs1.privateKey),
          ),
        ).toBe('accepted');
      });

      it.each(assertionForgeries)('refuses %s', async (_name, forge) => {
        expect(await present(forge(assertionClaims()))).toBe('refused');
      });
    });
  });
});
