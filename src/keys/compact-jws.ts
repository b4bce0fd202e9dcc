import { constants, sign } from 'node:crypto';
import { derToRawSignature } from './ecdsa-signature.js';
import type { ActiveSigningKey } from './keys.service.js';

const headers = new WeakMap<ActiveSigningKey, Map<string, string>>();

function encodedHeader(key: ActiveSigningKey, typ: string): string {
  let byTyp = headers.get(key);
  if (!byTyp) headers.set(key, (byTyp = new Map<string, string>()));
  let header = byTyp.get(typ);
  if (!header) {
    header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ })).toString('base64url');
    byTyp.set(typ, header);
  }
  return header;
}

/**
 * A compact JWS (RFC 7515 §7.1) over `claims`, signed in one synchronous node:crypto call
 * with the ready KeyObject: written here, not taken from jose, because jose's SignJWT goes
 * through WebCrypto, which the benchmark shows costs several times as much per ES256 token
 * (bench/README.md, "Signing"). Tokens are verified with jose. The KeyObject is passed bare
 * and the DER signature converted here: on Node 24 an options object (`{ key, dsaEncoding }`)
 * costs more than the signature itself (bench/README.md, "Signing on Node 24").
 */
export function signCompactJws(
  key: ActiveSigningKey,
  typ: string,
  claims: Record<string, unknown>,
): string {
  const input = `${encodedHeader(key, typ)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${signature(key, Buffer.from(input)).toString('base64url')}`;
}

function signature(key: ActiveSigningKey, input: Buffer): Buffer {
  switch (key.alg) {
    case 'ES256':
      // JWS wants the raw r||s form (RFC 7518 §3.4), not DER.
      return derToRawSignature(sign('sha256', input, key.privateKey), 32);
    case 'RS256':
      return sign('sha256', input, key.privateKey);
    case 'PS256':
      // RFC 7518 §3.5: MGF1 with SHA-256 and a salt as long as the hash.
      return sign('sha256', input, {
        key: key.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
    case 'EdDSA':
      // Ed25519 hashes internally (RFC 8037 §3.1): no digest named.
      return sign(null, input, key.privateKey);
  }
}
