import { exportJWK, importJWK, jwtVerify } from 'jose';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { signCompactJws } from './compact-jws.js';
import { SIGNING_ALGS, type SigningAlg } from './signing-algorithms.js';

function keyPair(alg: SigningAlg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
  }
}

describe('signCompactJws', () => {
  it.each(SIGNING_ALGS)('signs %s tokens that jose verifies with the public JWK', async (alg) => {
    const { privateKey, publicKey } = keyPair(alg);
    const jwt = signCompactJws({ kid: `${alg}-key`, alg, privateKey }, 'JWT', { sub: 'someone' });
    const key = await importJWK({ ...(await exportJWK(publicKey)), alg }, alg);
    const { payload, protectedHeader } = await jwtVerify(jwt, key, { algorithms: [alg] });
    expect(protectedHeader).toEqual({ alg, kid: `${alg}-key`, typ: 'JWT' });
    expect(payload).toEqual({ sub: 'someone' });
  });
});
