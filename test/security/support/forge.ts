import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeyEncryption } from '../../../src/keys/key-encryption.js';
import type { TestApp } from '../../support/test-app.js';

export type Header = Record<string, unknown>;
export type Claims = Record<string, unknown>;

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS built by hand, so that a test controls every header member — jose refuses
 * to sign some of the headers an attacker sends (unknown `crit`, `alg: none`).
 */
export function compactJws(
  header: Header,
  claims: Claims,
  key: KeyObject | { hmac: string | Buffer } | 'unsigned',
): string {
  const input = `${encode(header)}.${encode(claims)}`;
  if (key === 'unsigned') return `${input}.`;
  if ('hmac' in key) {
    return `${input}.${createHmac('sha256', key.hmac).update(input).digest('base64url')}`;
  }
  const signature =
    key.asymmetricKeyType === 'ec'
      ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

export interface SigningKey {
  kid: string;
  alg: 'ES256' | 'RS256' | 'PS256' | 'EdDSA';
  privateKey: KeyObject;
  /** The public half as a JWK with kid, alg and use. */
  jwk: Record<string, unknown>;
  /** The public half as SPKI PEM. */
  pem: string;
}

/** A fresh key pair, as an attacker or a client makes one. */
export function makeKey(alg: 'ES256' | 'RS256', kid = `k-${randomUUID()}`): SigningKey {
  const { privateKey, publicKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    alg,
    privateKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** Every signing key of the server (active and retired), read from its database. */
export async function serverSigningKeys(t: TestApp): Promise<SigningKey[]> {
  const rows = await t.db.query<{ kid: string; alg: string; private_key_encrypted: Buffer }>(
    `SELECT kid, alg, private_key_encrypted FROM signing_keys ORDER BY created_at DESC`,
  );
  const encryption = new KeyEncryption(t.env.KEY_ENCRYPTION_SECRET);
  return rows.map((row) => {
    const privateKey = createPrivateKey({
      key: encryption.decrypt(row.private_key_encrypted, row.kid),
      format: 'der',
      type: 'pkcs8',
    });
    const publicKey = createPublicKey(privateKey);
    return {
      kid: row.kid,
      alg: row.alg as SigningKey['alg'],
      privateKey,
      jwk: { ...publicKey.export({ format: 'jwk' }), kid: row.kid, alg: row.alg, use: 'sig' },
      pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    };
  });
}

/** The server's keys as serverSigningKeys reads them, with whether each still signs. */
export async function serverSigningKeysWithStatus(
  t: TestApp,
): Promise<(SigningKey & { status: string })[]> {
  const keys = await serverSigningKeys(t);
  const rows = await t.db.query<{ kid: string; status: string }>(
    'SELECT kid, status FROM signing_keys',
  );
  return keys.map((key) => ({ ...key, status: rows.find((row) => row.kid === key.kid)!.status }));
}

/**
 * A server an attacker controls, named in `jku` / `x5u` headers: it answers a JWKS with the
 * attacker's key, and remembers every request, so a test can assert it is never fetched.
 */
export async function startAttackerServer(jwks: { keys: object[] }) {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
