import type { KeyEncryption } from '../keys/key-encryption.js';

/**
 * A client_secret_jwt client's secret at rest: encrypted with the signing keys' encryption
 * (KEY_ENCRYPTION_SECRET) and bound to the client_id, so it cannot be moved to another client
 * or mistaken for a signing key (those are bound to their kid, which has no `:`).
 */
const binding = (clientId: string) => `client-secret:${clientId}`;

export function sealClientSecret(
  encryption: KeyEncryption,
  clientId: string,
  secret: string,
): Buffer {
  return encryption.encrypt(Buffer.from(secret), binding(clientId));
}

export function openClientSecret(
  encryption: KeyEncryption,
  clientId: string,
  sealed: Buffer,
): string {
  return encryption.decrypt(sealed, binding(clientId)).toString();
}
