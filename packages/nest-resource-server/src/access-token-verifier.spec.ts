import { generateKeyPairSync, sign as signBytes, type KeyObject } from 'node:crypto';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { BearerError } from './bearer-error.js';
import { IssuerKeys } from './issuer-keys.js';
import { IssuerMetadata } from './issuer-metadata.js';
import type { JsonWebKeySetDocument, ResourceServerOptions } from './resource-server.options.js';

const ISSUER = 'https://auth.example.com';
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An ES256 JWS over any header, which jose's signers would refuse to write. */
const es256 = (header: object, payload: object, key: KeyObject) => {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = signBytes('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
};

const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rs = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = async (key: KeyObject, kid: string, alg: string) => ({
  ...(await exportJWK(key)),
  kid,
  alg,
  use: 'sig',
});

describe('AccessTokenVerifier (in-process keys)', () => {
  let document: JsonWebKeySetDocument;
  /** What the in-process source does when asked, and how often it was asked. */
  let source: () => JsonWebKeySetDocument;
  let asked: number;
  let verifier: AccessTokenVerifier;

  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: ISSUER,
    aud: ISSUER,
    sub: 'user-1',
    client_id: 'app',
    scope: 'notes:read notes:write',
    username: 'ivy',
    jti: 'jti-1',
    iat: now(),
    exp: now() + 60,
    ...extra,
  });
  const sign = (
    extra: JWTPayload = {},
    header: Record<string, unknown> = {},
    key: KeyObject = es.privateKey,
  ) =>
    new SignJWT(claims(extra))
      .setProtectedHeader({ alg: 'ES256', kid: 'es-1', typ: 'at+jwt', ...header })
      .sign(key);
  /** The status and body the guard would answer with. */
  const answerTo = async (token: string) => {
    try {
      await verifier.verify(token);
    } catch (error) {
      if (error instanceof BearerError)
        return { status: error.getStatus(), ...(error.getResponse() as object) };
      throw error;
    }
    throw new Error('the token was accepted');
  };

  beforeEach(async () => {
    document = {
      keys: [
        await publicJwk(es.publicKey, 'es-1', 'ES256'),
        await publicJwk(rs.publicKey, 'rs-1', 'RS256'),
      ],
    };
    source = () => document;
    asked = 0;
    const options: ResourceServerOptions = {
      issuer: ISSUER,
      audience: ISSUER,
      jwks: () => {
        asked += 1;
        return source();
      },
    };
    verifier = new AccessTokenVerifier(
      options,
      new IssuerKeys(options, new IssuerMetadata(options)),
    );
  });

  it('accepts a well-formed token and gives its principal', async () => {
    // The claims as signed: built again later they could fall in the next second.
    const signed = claims();
    await expect(verifier.verify(await sign(signed))).resolves.toEqual({
      sub: 'user-1',
      clientId: 'app',
      scopes: ['notes:read', 'notes:write'],
      username: 'ivy',
      sessionName: undefined,
      claims: signed,
    });
  });

  it('gives the actor chain of a delegated token (RFC 8693 act), current actor first', async () => {
    const principal = await verifier.verify(
      await sign({ client_id: 'storage', act: { sub: 'storage', act: { sub: 'notes' } } }),
    );
    expect(principal.sub).toBe('user-1');
    expect(principal.clientId).toBe('storage');
    expect(principal.actor).toEqual({ sub: 'storage', actor: { sub: 'notes' } });
    await expect(verifier.verify(await sign())).resolves.toHaveProperty('actor', undefined);
  });

  it.each(['at+jwt', 'application/at+jwt', 'AT+JWT'])('accepts typ %s', async (typ) => {
    await expect(verifier.verify(await sign({}, { typ }))).resolves.toBeDefined();
  });

  it('accepts RS256 and tolerates a few seconds of clock difference', async () => {
    const token = await sign({ exp: now() - 2 }, { alg: 'RS256', kid: 'rs-1' }, rs.privateKey);
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });

  const refused: [string, () => Promise<string> | string, string][] = [
    ['garbage', () => 'not-a-jwt', 'malformed token'],
    ['an expired token', () => sign({ exp: now() - 10 }), 'the access token has expired'],
    ['nbf in the future', () => sign({ nbf: now() + 60 }), 'the access token is not valid yet'],
    [
      'another issuer',
      () => sign({ iss: 'https://evil.example.com' }),
      'the access token comes from another issuer',
    ],
    [
      'another audience',
      () => sign({ aud: 'https://elsewhere.example.com' }),
      'the access token is not meant for this audience',
    ],
    ['typ JWT', () => sign({}, { typ: 'JWT' }), 'not an access token (typ must be at+jwt)'],
    [
      'no typ',
      () =>
        new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'es-1' }).sign(es.privateKey),
      'not an access token (typ must be at+jwt)',
    ],
    [
      'alg none',
      () => `${b64({ alg: 'none', kid: 'es-1', typ: 'at+jwt' })}.${b64(claims())}.`,
      'signature algorithm not accepted',
    ],
    [
      'HS256 keyed with the public key',
      () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', kid: 'es-1', typ: 'at+jwt' })
          .sign(Buffer.from(JSON.stringify(document.keys[0]))),
      'signature algorithm not accepted',
    ],
    ['an unknown kid', () => sign({}, { kid: 'no-such-key' }), 'unknown signing key'],
    [
      'no kid',
      () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
          .sign(es.privateKey),
      'unknown signing key',
    ],
    [
      'RS256 under the ES256 key’s kid',
      () => sign({}, { alg: 'RS256', kid: 'es-1' }, rs.privateKey),
      'unknown signing key',
    ],
    [
      'another key under the server’s kid',
      () => sign({}, {}, attacker.privateKey),
      'the access token is invalid',
    ],
    [
      'an embedded jwk header with another key',
      async () => sign({}, { jwk: await exportJWK(attacker.publicKey) }, attacker.privateKey),
      'the access token is invalid',
    ],
    [
      'an unknown crit extension',
      () =>
        es256(
          {
            alg: 'ES256',
            kid: 'es-1',
            typ: 'at+jwt',
            crit: ['urn:example:ext'],
            'urn:example:ext': true,
          },
          claims(),
          es.privateKey,
        ),
      'unsupported critical header (crit)',
    ],
    [
      'an act claim without a sub',
      () => sign({ act: { client_id: 'notes' } }),
      'the access token has a malformed act claim',
    ],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = (await sign()).split('.');
        return `${header}.${b64(claims({ scope: 'admin' }))}.${signature}`;
      },
      'the access token is invalid',
    ],
  ];
  it.each(refused)('refuses %s with 401', async (_name, make, description) => {
    expect(await answerTo(await make())).toEqual({
      status: 401,
      error: 'invalid_token',
      error_description: description,
    });
  });

  it('asks the source again for an unknown kid, so a new key is used at once', async () => {
    await verifier.verify(await sign());
    const next = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    document = { keys: [...document.keys, await publicJwk(next.publicKey, 'es-2', 'ES256')] };
    const calls = asked;
    await expect(
      verifier.verify(await sign({}, { kid: 'es-2' }, next.privateKey)),
    ).resolves.toBeDefined();
    expect(asked).toBe(calls + 1);
    // A known kid does not ask the source.
    await verifier.verify(await sign());
    expect(asked).toBe(calls + 1);
  });

  it('answers 503 when the key source fails', async () => {
    source = () => {
      throw new Error('database unreachable');
    };
    expect(await answerTo(await sign())).toEqual({
      status: 503,
      error: 'temporarily_unavailable',
      error_description: 'token keys are unavailable, try again shortly',
    });
  });
});
