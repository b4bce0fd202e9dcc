import { allValues } from '../../common/repeated-parameter.js';
import type { AuthorizeCheck } from './authorize-check.js';

/**
 * RFC 8707 §2: the APIs the request is for, `resource` sent once per API; each an absolute
 * URI without fragment that the client may use, else `invalid_target`. None: the client's
 * default API, or the issuer (ClientTargets.resources).
 */
export const checkResource: AuthorizeCheck = ({ query, targets }) => ({
  resources: targets.resources(allValues(query, 'resource')),
});
