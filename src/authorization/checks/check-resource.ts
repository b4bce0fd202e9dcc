import { allValues } from '../../common/repeated-parameter.js';
import { OAuthError } from '../../common/oauth-error.js';
import type { AuthorizeCheck } from './authorize-check.js';

/**
 * RFC 8707 §2: the APIs the request is for, `resource` sent once per API; each an absolute
 * URI without fragment that the client may use, else `invalid_target`. None: the client's
 * default API, or the issuer (ClientTargets.resources). A response type that answers with an
 * access token, not a code, can serve only one: an access token has one audience.
 */
export const checkResource: AuthorizeCheck = ({ query, targets, checked }) => {
  const resources = targets.resources(allValues(query, 'resource'));
  if (resources.length > 1 && checked.responseType && !checked.responseType.issuesCode) {
    throw new OAuthError(
      'invalid_target',
      'an access token is for one resource; ask for one, or use the code flow',
    );
  }
  return { resources };
};
