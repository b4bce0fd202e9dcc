import { OAuthError } from '../../common/oauth-error.js';
import type { AuthorizeCheck } from './authorize-check.js';
import { singleParameter } from './single-parameter.js';

/** Echoed back verbatim in the redirect: bounded so it cannot make the URL unusable. */
const MAX_STATE_LENGTH = 2048;

/** RFC 6749 §4.1.1: the client's opaque `state`, returned with the answer. */
export const checkState: AuthorizeCheck = ({ query }) => {
  const state = singleParameter(query, 'state');
  if (state && state.length > MAX_STATE_LENGTH)
    throw new OAuthError('invalid_request', 'state is too long');
  return { state };
};
