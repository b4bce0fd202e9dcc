import { errors } from 'jose';
import { BearerError } from './bearer-error.js';
import { KeySourceUnavailableError } from './issuer-keys.js';

/** Why a claim or header jose checked was refused, in words a client can act on. */
const CLAIM_REFUSALS: Partial<Record<string, string>> = {
  nbf: 'the access token is not valid yet',
  iss: 'the access token comes from another issuer',
  aud: 'the access token is not meant for this audience',
  typ: 'not an access token (typ must be at+jwt)',
};

function describe(error: errors.AnyJOSEError): string {
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return 'the access token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return CLAIM_REFUSALS[error.claim] ?? 'the access token is invalid';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'signature algorithm not accepted';
    // With the algorithms restricted, the one feature left unsupported is a crit extension.
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'unsupported critical header (crit)';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'unknown signing key';
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'the signing key named is ambiguous';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'malformed token';
    default:
      return 'the access token is invalid';
  }
}

/**
 * The RFC 6750 answer to a failed `jwtVerify`: 503 when the issuer's keys cannot be had,
 * 401 invalid_token for any refusal by jose, and undefined for an error that is neither.
 */
export function bearerErrorFor(error: unknown): BearerError | undefined {
  if (error instanceof KeySourceUnavailableError) {
    return new BearerError(
      'temporarily_unavailable',
      'token keys are unavailable, try again shortly',
      503,
    );
  }
  if (!(error instanceof errors.JOSEError)) return undefined;
  return new BearerError('invalid_token', describe(error as errors.AnyJOSEError), 401);
}
