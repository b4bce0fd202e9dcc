/**
 * The JWS algorithms (RFC 7518 §3, RFC 8037 §3.1) the server signs with, one current key
 * each: ES256 (the default), RS256 (which OpenID Connect Core §15.1 requires of every OP),
 * PS256 and EdDSA over Ed25519 (what FAPI 2.0 clients may use besides ES256).
 */
export const SIGNING_ALGS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;

export type SigningAlg = (typeof SIGNING_ALGS)[number];

export function isSigningAlg(value: unknown): value is SigningAlg {
  return (SIGNING_ALGS as readonly unknown[]).includes(value);
}
