import { OAuthError } from '../../common/oauth-error.js';
import type { AuthorizeCheck } from './authorize-check.js';
import { singleParameter } from './single-parameter.js';

/** Copied into the ID token: bounded so a client cannot inflate every token it gets. */
const MAX_NONCE_LENGTH = 512;

/** OpenID Connect Core §3.1.2.1: the `nonce` the ID token carries back. */
export const checkNonce: AuthorizeCheck = ({ query }) => {
  const nonce = singleParameter(query, 'nonce');
  if (nonce && nonce.length > MAX_NONCE_LENGTH)
    throw new OAuthError('invalid_request', 'nonce is too long');
  return { nonce };
};
