import type { SigningKey } from './signing-key.entity.js';

/** A key as the admin API shows it: public facts only. */
export function presentSigningKey(key: SigningKey & { published?: boolean }) {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    published: key.published ?? true,
    created_at: key.createdAt.toISOString(),
    retired_at: key.retiredAt ? key.retiredAt.toISOString() : null,
    public_jwk: { ...key.publicJwk, kid: key.kid, alg: key.alg, use: 'sig' },
  };
}
