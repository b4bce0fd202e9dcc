import { isSubset, parseScope } from '../../common/scope.js';
import { AuthorizationRedirectError } from '../authorization-errors.js';
import type { AuthorizeCheck } from './authorize-check.js';
import { singleParameter } from './single-parameter.js';

/**
 * RFC 6749 §3.3: well-formed scopes, all registered for the client; none requested means all
 * of the client's.
 */
export const checkScope: AuthorizeCheck = ({ query, client }) => {
  const requested = singleParameter(query, 'scope');
  const scopes = requested === undefined ? client.scopes : parseScope(requested);
  if (!scopes) throw new AuthorizationRedirectError('invalid_scope', 'scope is malformed');
  if (!isSubset(scopes, client.scopes)) {
    const outside = scopes.filter((scope) => !client.scopes.includes(scope));
    throw new AuthorizationRedirectError(
      'invalid_scope',
      `scope not allowed for this client: ${outside.join(' ')}`,
    );
  }
  return { scopes };
};
