import { repeatedParameter } from '../../common/repeated-parameter.js';
import { OAuthError } from '../../common/oauth-error.js';
import type { AuthorizeCheck } from './authorize-check.js';

/** RFC 6749 §3.1: no parameter may be repeated, including those read nowhere (prompt). */
export const checkRepeatedParameters: AuthorizeCheck = ({ query }) => {
  const repeated = repeatedParameter(query);
  if (repeated !== undefined)
    throw new OAuthError('invalid_request', `${repeated} must be sent once`);
  return {};
};
