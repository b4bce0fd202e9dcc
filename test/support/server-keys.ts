import { createPrivateKey, type KeyObject } from 'node:crypto';
import { KeyEncryption } from '../../src/keys/key-encryption.js';
import type { TestApp } from './test-app.js';

/**
 * The server's active signing key of `alg` (by default SIGNING_ALG's, which signs access
 * tokens), read from its database and decrypted with the secret the test gave it: lets a test
 * forge tokens that differ from real ones in exactly one respect.
 */
export async function activeSigningKey(
  t: TestApp,
  alg = t.env.SIGNING_ALG ?? 'ES256',
): Promise<{ kid: string; alg: string; privateKey: KeyObject }> {
  const [row] = await t.db.query<{ kid: string; alg: string; private_key_encrypted: Buffer }>(
    `SELECT kid, alg, private_key_encrypted FROM signing_keys WHERE status = 'active' AND alg = $1`,
    [alg],
  );
  if (!row) throw new Error('no active signing key');
  const der = new KeyEncryption(t.env.KEY_ENCRYPTION_SECRET).decrypt(
    row.private_key_encrypted,
    row.kid,
  );
  return {
    kid: row.kid,
    alg: row.alg,
    privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
  };
}
