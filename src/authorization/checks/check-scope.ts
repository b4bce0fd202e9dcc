import type { AuthorizeCheck } from './authorize-check.js';
import { singleParameter } from './single-parameter.js';

/**
 * RFC 6749 §3.3: well-formed scopes, each one the client may have with the requested
 * resources (an identity scope, one of its own, or one an API defines and allows it); none
 * requested means all of those. The same rule as the token endpoint's (ClientTargets.grant).
 */
export const checkScope: AuthorizeCheck = ({ query, targets, checked }) => {
  const requested = singleParameter(query, 'scope');
  const resources = checked.resources ?? targets.resources([]);
  return { scopes: targets.grant(resources, requested).items.toArray() };
};
