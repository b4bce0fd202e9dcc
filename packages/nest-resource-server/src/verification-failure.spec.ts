import { errors } from 'jose';
import { BearerError } from './bearer-error.js';
import { KeySourceUnavailableError } from './issuer-keys.js';
import { bearerErrorFor } from './verification-failure.js';

const claimFailure = (claim: string) =>
  new errors.JWTClaimValidationFailed('check failed', {}, claim, 'check_failed');

describe('bearerErrorFor', () => {
  it.each<[string, Error, string]>([
    ['an expired token', new errors.JWTExpired('exp', {}, 'exp'), 'the access token has expired'],
    ['nbf in the future', claimFailure('nbf'), 'the access token is not valid yet'],
    ['another issuer', claimFailure('iss'), 'the access token comes from another issuer'],
    ['another audience', claimFailure('aud'), 'the access token is not meant for this audience'],
    ['typ other than at+jwt', claimFailure('typ'), 'not an access token (typ must be at+jwt)'],
    ['a claim of the wrong type', claimFailure('iat'), 'the access token is invalid'],
    ['a refused alg', new errors.JOSEAlgNotAllowed('alg'), 'signature algorithm not accepted'],
    ['a crit extension', new errors.JOSENotSupported('crit'), 'unsupported critical header (crit)'],
    ['an unknown kid', new errors.JWKSNoMatchingKey(), 'unknown signing key'],
    [
      'a kid of two keys',
      new errors.JWKSMultipleMatchingKeys(),
      'the signing key named is ambiguous',
    ],
    ['a bad signature', new errors.JWSSignatureVerificationFailed(), 'the access token is invalid'],
    ['a malformed JWS', new errors.JWSInvalid('Invalid Compact JWS'), 'malformed token'],
    ['a payload that is no object', new errors.JWTInvalid('payload'), 'malformed token'],
  ])('answers %s with 401 invalid_token', (_name, error, description) => {
    const answer = bearerErrorFor(error);
    expect(answer).toBeInstanceOf(BearerError);
    expect(answer?.getStatus()).toBe(401);
    expect(answer?.getResponse()).toEqual({
      error: 'invalid_token',
      error_description: description,
    });
    expect(answer?.challenge('portcullis')).toBe(
      `Bearer realm="portcullis", error="invalid_token", error_description="${description}"`,
    );
  });

  it('answers unavailable keys with 503 temporarily_unavailable and no challenge', () => {
    const answer = bearerErrorFor(new KeySourceUnavailableError('JWKS answered 500'));
    expect(answer?.getStatus()).toBe(503);
    expect(answer?.getResponse()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'token keys are unavailable, try again shortly',
    });
    expect(answer?.challenge('portcullis')).toBeUndefined();
  });

  it('leaves an error jose did not raise to the caller', () => {
    expect(bearerErrorFor(new TypeError('a bug'))).toBeUndefined();
    expect(bearerErrorFor('a string')).toBeUndefined();
  });
});
