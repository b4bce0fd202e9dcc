import { createHash, generateKeyPairSync, sign as signBytes, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWTPayload } from 'jose';
import {
  DPOP_ALGORITHMS,
  DpopProofError,
  verifyDpopProof,
  type DpopProofExpectations,
} from './dpop-proof.js';

const NOW = 1_900_000_000;
const URL = 'https://api.example.com/notes/1';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.access-token.signature';
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const keys = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  EdDSA: generateKeyPairSync('ed25519'),
};
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const expectations = (extra: Partial<DpopProofExpectations> = {}): DpopProofExpectations => ({
  method: 'GET',
  url: URL,
  clockSkewSeconds: 10,
  maxAgeSeconds: 300,
  now: NOW,
  ...extra,
});

const claims = (extra: JWTPayload = {}): JWTPayload => ({
  jti: 'proof-1',
  htm: 'GET',
  htu: URL,
  iat: NOW,
  ...extra,
});

/** A proof as a client writes it, with any header or claim changed. */
async function proof(
  extra: JWTPayload = {},
  header: Record<string, unknown> = {},
  alg: keyof typeof keys = 'ES256',
  signer: KeyObject = keys[alg].privateKey,
): Promise<string> {
  const jwk = await exportJWK(keys[alg].publicKey);
  return new SignJWT(claims(extra))
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk, ...header })
    .sign(signer);
}

/** An ES256 JWS over any header, which jose's signer would refuse to write. */
function raw(header: object, payload: object, key: KeyObject = keys.ES256.privateKey): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = signBytes('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** The error a refused proof gives. */
async function refusal(
  value: string | Promise<string>,
  expect: DpopProofExpectations = expectations(),
): Promise<{ error: string; message: string }> {
  try {
    await verifyDpopProof(await value, expect);
  } catch (error) {
    if (error instanceof DpopProofError) return { error: error.error, message: error.message };
    throw error;
  }
  throw new Error('the proof was accepted');
}

describe('verifyDpopProof', () => {
  it('advertises the four algorithms, none of them symmetric', () => {
    expect(DPOP_ALGORITHMS).toEqual(['ES256', 'RS256', 'PS256', 'EdDSA']);
  });

  it.each(DPOP_ALGORITHMS)('accepts a %s proof and gives its key thumbprint', async (alg) => {
    const jwk = await exportJWK(keys[alg].publicKey);
    const verified = await verifyDpopProof(
      await proof({ ath: ath(TOKEN) }, {}, alg),
      expectations({ accessToken: TOKEN }),
    );
    expect(verified).toEqual({
      jkt: await calculateJwkThumbprint(jwk, 'sha256'),
      jti: 'proof-1',
      iat: NOW,
    });
  });

  it('accepts alg Ed25519, the fully-specified name of EdDSA that oauth4webapi writes', async () => {
    const jwk = await exportJWK(keys.EdDSA.publicKey);
    const signed = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'Ed25519', typ: 'dpop+jwt', jwk })
      .sign(keys.EdDSA.privateKey);
    await expect(verifyDpopProof(signed, expectations())).resolves.toMatchObject({
      jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    });
  });

  it('gives different thumbprints for different keys', async () => {
    const a = await verifyDpopProof(await proof(), expectations());
    const b = await verifyDpopProof(await proof({}, {}, 'EdDSA'), expectations());
    expect(a.jkt).not.toBe(b.jkt);
    expect(a.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('ignores the query and fragment, case of scheme and host, and a default port in htu', async () => {
    const htu = 'HTTPS://API.Example.com:443/notes/1';
    const expect_ = expectations({ url: `${URL}?page=2#top` });
    await expect(verifyDpopProof(await proof({ htu }), expect_)).resolves.toBeDefined();
    await expect(
      verifyDpopProof(await proof({ htu: `${URL}?other=1` }), expectations()),
    ).resolves.toBeDefined();
  });

  it('takes iat at the edges of the window: skew ahead, max age plus skew behind', async () => {
    for (const iat of [NOW + 10, NOW - 310]) {
      await expect(verifyDpopProof(await proof({ iat }), expectations())).resolves.toBeDefined();
    }
  });

  it('accepts the nonce asked for, as a value or through a checker', async () => {
    const nonced = await proof({ nonce: 'n-1' });
    await expect(verifyDpopProof(nonced, expectations({ nonce: 'n-1' }))).resolves.toBeDefined();
    const seen: (string | undefined)[] = [];
    const checker = (nonce: string | undefined) => {
      seen.push(nonce);
      return nonce === 'n-1';
    };
    await expect(verifyDpopProof(nonced, expectations({ nonce: checker }))).resolves.toBeDefined();
    expect(seen).toEqual(['n-1']);
  });

  const invalid: [string, () => Promise<string> | string, Partial<DpopProofExpectations>?][] = [
    ['garbage', () => 'not-a-jws'],
    ['a JWS in JSON serialization', () => JSON.stringify({ payload: 'x', signature: 'y' })],
    ['an oversized proof', async () => proof({ pad: 'x'.repeat(9000) })],
    ['typ JWT', () => proof({}, { typ: 'JWT' })],
    ['typ application/dpop+jwt', () => proof({}, { typ: 'application/dpop+jwt' })],
    ['no typ', () => proof({}, { typ: undefined })],
    [
      'alg none',
      async () => {
        const jwk = await exportJWK(keys.ES256.publicKey);
        return `${b64({ alg: 'none', typ: 'dpop+jwt', jwk })}.${b64(claims())}.`;
      },
    ],
    [
      'alg none with a signature part',
      async () => {
        const jwk = await exportJWK(keys.ES256.publicKey);
        return `${b64({ alg: 'none', typ: 'dpop+jwt', jwk })}.${b64(claims())}.AAAA`;
      },
    ],
    [
      'alg HS256 keyed with a symmetric jwk',
      async () => {
        const secret = new Uint8Array(32).fill(7);
        // jose's types keep private members out of a header jwk; an attacker's are not typed.
        const header: Record<string, unknown> = {
          typ: 'dpop+jwt',
          jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') },
        };
        return new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', ...header }).sign(secret);
      },
    ],
    [
      'alg HS256 keyed with the public key',
      async () => {
        const jwk = await exportJWK(keys.ES256.publicKey);
        return new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk })
          .sign(new TextEncoder().encode(JSON.stringify(jwk)));
      },
    ],
    [
      'alg ES384',
      async () =>
        raw(
          { alg: 'ES384', typ: 'dpop+jwt', jwk: await exportJWK(keys.ES256.publicKey) },
          claims(),
        ),
    ],
    ['no jwk', () => proof({}, { jwk: undefined })],
    ['a jwk that is not an object', () => proof({}, { jwk: 'key' })],
    [
      'a private EC key in the jwk',
      async () => proof({}, { jwk: await exportJWK(keys.ES256.privateKey) }),
    ],
    [
      'a private RSA key in the jwk',
      async () => proof({}, { jwk: await exportJWK(keys.RS256.privateKey) }, 'RS256'),
    ],
    [
      'a private Ed25519 key in the jwk',
      async () => proof({}, { jwk: await exportJWK(keys.EdDSA.privateKey) }, 'EdDSA'),
    ],
    [
      'an EC key whose alg does not fit it',
      async () =>
        raw(
          { alg: 'RS256', typ: 'dpop+jwt', jwk: await exportJWK(keys.ES256.publicKey) },
          claims(),
        ),
    ],
    ['a signature by another key than the jwk', () => proof({}, {}, 'ES256', other.privateKey)],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = (await proof()).split('.');
        return `${header}.${b64(claims({ htm: 'POST' }))}.${signature}`;
      },
      { method: 'POST' },
    ],
    [
      'an unknown crit header',
      async () =>
        raw(
          {
            alg: 'ES256',
            typ: 'dpop+jwt',
            jwk: await exportJWK(keys.ES256.publicKey),
            crit: ['x-ext'],
            'x-ext': 1,
          },
          claims(),
        ),
    ],
    ['no jti', () => proof({ jti: undefined })],
    ['an empty jti', () => proof({ jti: '' })],
    ['a numeric jti', () => proof({ jti: 7 as unknown as string })],
    ['a jti of 257 characters', () => proof({ jti: 'j'.repeat(257) })],
    ['another method', () => proof({ htm: 'POST' })],
    ['the method in lower case', () => proof({ htm: 'get' })],
    ['no htm', () => proof({ htm: undefined })],
    ['another path', () => proof({ htu: 'https://api.example.com/notes/2' })],
    ['a path prefix', () => proof({ htu: 'https://api.example.com/notes' })],
    ['another host', () => proof({ htu: 'https://evil.example.com/notes/1' })],
    ['another scheme', () => proof({ htu: 'http://api.example.com/notes/1' })],
    ['another port', () => proof({ htu: 'https://api.example.com:8443/notes/1' })],
    ['a relative htu', () => proof({ htu: '/notes/1' })],
    ['no htu', () => proof({ htu: undefined })],
    ['no iat', () => proof({ iat: undefined })],
    ['iat beyond the skew ahead', () => proof({ iat: NOW + 11 })],
    ['iat older than max age plus skew', () => proof({ iat: NOW - 311 })],
    ['iat as a string', () => proof({ iat: String(NOW) as unknown as number })],
    ['an expired exp', () => proof({ exp: NOW - 60 })],
    ['no ath when a token is presented', () => proof(), { accessToken: TOKEN }],
    [
      'the ath of another token',
      () => proof({ ath: ath('another-token') }),
      { accessToken: TOKEN },
    ],
    ['ath as the token itself', () => proof({ ath: TOKEN }), { accessToken: TOKEN }],
  ];

  // A rest parameter: with a third named one, jest would wait for a `done` on two-item rows.
  it.each(invalid)('refuses %s as invalid_dpop_proof', async (...[, make, extra]) => {
    const { error, message } = await refusal(make(), expectations(extra));
    expect(error).toBe('invalid_dpop_proof');
    expect(message).toMatch(/DPoP proof/);
  });

  it('names the reason a client can act on', async () => {
    expect((await refusal(proof({}, { typ: 'JWT' }))).message).toBe(
      'the DPoP proof typ must be dpop+jwt',
    );
    expect(
      (await refusal(proof({}, { jwk: await exportJWK(keys.ES256.privateKey) }))).message,
    ).toBe('the DPoP proof jwk must be a public key');
    expect((await refusal(proof({}, {}, 'ES256', other.privateKey))).message).toBe(
      'the DPoP proof signature does not verify with its jwk',
    );
    expect((await refusal(proof({ htm: 'POST' }))).message).toBe(
      'the DPoP proof is for another HTTP method (htm)',
    );
    expect((await refusal(proof({ htu: 'https://api.example.com/x' }))).message).toBe(
      'the DPoP proof is for another URL (htu)',
    );
    expect((await refusal(proof({ iat: NOW - 400 }))).message).toBe('the DPoP proof is too old');
    expect((await refusal(proof({ iat: NOW + 60 }))).message).toBe(
      'the DPoP proof is issued in the future',
    );
    expect((await refusal(proof(), expectations({ accessToken: TOKEN }))).message).toBe(
      'the DPoP proof has no access token hash (ath)',
    );
  });

  it.each<[string, JWTPayload, DpopProofExpectations['nonce']]>([
    ['missing', {}, 'n-1'],
    ['wrong', { nonce: 'n-0' }, 'n-1'],
    ['not a string', { nonce: 1 }, 'n-1'],
    ['refused by the checker', { nonce: 'n-0' }, (nonce) => nonce === 'n-1'],
    ['missing, by the checker', {}, (nonce) => nonce !== undefined],
  ])('answers use_dpop_nonce when the nonce is %s', async (_, extra, nonce) => {
    const { error } = await refusal(proof(extra), expectations({ nonce }));
    expect(error).toBe('use_dpop_nonce');
  });

  it('checks the proof itself before the nonce', async () => {
    const { error } = await refusal(proof({ htm: 'POST' }), expectations({ nonce: 'n-1' }));
    expect(error).toBe('invalid_dpop_proof');
  });

  it('asks for no nonce when none is expected, and ignores an ath when no token is presented', async () => {
    await expect(
      verifyDpopProof(await proof({ nonce: 'whatever', ath: ath(TOKEN) }), expectations()),
    ).resolves.toBeDefined();
  });

  it('uses the real clock when no time is given', async () => {
    const iat = Math.floor(Date.now() / 1000);
    await expect(
      verifyDpopProof(await proof({ iat }), expectations({ now: undefined })),
    ).resolves.toBeDefined();
    const { error } = await refusal(proof({ iat: iat - 1000 }), expectations({ now: undefined }));
    expect(error).toBe('invalid_dpop_proof');
  });
});
