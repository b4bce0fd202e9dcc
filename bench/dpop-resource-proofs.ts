/**
 * DPoP proofs for a resource request (RFC 9449 §7.1), as a client makes them: one ES256 key,
 * which the token endpoint binds the token to, then a fresh proof (new `jti`, `iat` now, the
 * token's `ath`) for every request. Signed synchronously with node:crypto so autocannon can set
 * one on each request as it sends it; the signing costs the load core, as it costs a client.
 */
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export class BenchDpopKey {
  private readonly privateKey: KeyObject;
  private readonly header: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    this.privateKey = privateKey;
    this.header = encode({ alg: 'ES256', typ: 'dpop+jwt', jwk: { kty, crv, x, y } });
  }

  /** A new proof for `htm htu`, with the `ath` of `accessToken` when one is sent with it. */
  proof(htm: string, htu: string, accessToken?: string): string {
    const payload = encode({
      htm,
      htu,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      ath: accessToken && createHash('sha256').update(accessToken).digest('base64url'),
    });
    const input = `${this.header}.${payload}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: this.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  }
}
