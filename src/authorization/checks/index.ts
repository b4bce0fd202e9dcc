import type { AuthorizeCheck, CheckedRequest, CheckInput } from './authorize-check.js';
import { checkDpopJkt } from './check-dpop-jkt.js';
import { checkNonce } from './check-nonce.js';
import { checkPkce } from './check-pkce.js';
import { checkRepeatedParameters } from './check-repeated-parameters.js';
import { checkResource } from './check-resource.js';
import { checkResponseType } from './check-response-type.js';
import { checkScope } from './check-scope.js';
import { checkState } from './check-state.js';

/*
 * The authorize endpoint's rules, in the order they run:
 *  1. checkClient, checkRedirectUri: until both pass the redirect URI cannot be trusted, so
 *     their refusals are pages (RFC 6749 §4.1.2.1), never redirects.
 *  2. AUTHORIZE_CHECKS: refusals go back to the redirect URI with state and iss.
 *  3. promptsLogin, checkPromptNone: need the session, run by the controller.
 * Adding a rule is one file and one line here.
 */
export { checkClient } from './check-client.js';
export { checkRedirectUri } from './check-redirect-uri.js';
export { checkPromptNone, promptsLogin } from './check-prompt.js';
export type { CheckedRequest, ResponseTypeLookup } from './authorize-check.js';

export const AUTHORIZE_CHECKS: readonly AuthorizeCheck[] = [
  checkRepeatedParameters,
  checkResponseType,
  checkState,
  checkNonce,
  checkResource,
  checkScope,
  checkPkce,
  checkDpopJkt,
];

/** Runs AUTHORIZE_CHECKS in order, each seeing what the earlier ones read. */
export function runAuthorizeChecks(input: Omit<CheckInput, 'checked'>): CheckedRequest {
  let checked: Partial<CheckedRequest> = {};
  for (const check of AUTHORIZE_CHECKS) checked = { ...checked, ...check({ ...input, checked }) };
  const { responseType, scopes, resources } = checked;
  // A table without checkResponseType, checkResource or checkScope is a programming error.
  if (!responseType || !scopes || !resources)
    throw new Error('the authorize checks read no response type, resource or scope');
  return { ...checked, responseType, scopes, resources };
}
