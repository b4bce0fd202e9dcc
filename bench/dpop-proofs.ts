/**
 * DPoP proofs (RFC 9449 §4.2) as a client makes them: one ES256 key, a fresh proof (new `jti`,
 * `iat` now) for every request. Signed synchronously with node:crypto, so autocannon can set one
 * on each request as it sends it; the signing costs the load core, as it costs a real client.
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A signer of proofs for `POST htu`: each call answers a new proof. */
export function dpopProofSigner(htu: string): () => string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const header = encode({ alg: 'ES256', typ: 'dpop+jwt', jwk: { kty, crv, x, y } });
  return () => {
    const payload = encode({
      htm: 'POST',
      htu,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
    });
    const input = `${header}.${payload}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  };
}
