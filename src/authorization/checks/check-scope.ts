import { grantedScope } from '../../tokens/requested-scope.js';
import type { AuthorizeCheck } from './authorize-check.js';
import { singleParameter } from './single-parameter.js';

/**
 * RFC 6749 §3.3: well-formed scopes, all registered for the client; none requested means all
 * of the client's. The same rule as the token endpoint's (tokens/requested-scope.ts).
 */
export const checkScope: AuthorizeCheck = ({ query, client }) => {
  const requested = singleParameter(query, 'scope');
  return { scopes: grantedScope(requested, client.scopes).toArray() };
};
