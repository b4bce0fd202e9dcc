import { OAuthError } from '../../common/oauth-error.js';
import { checkCodeChallenge } from '../../tokens/pkce.js';
import { AuthorizationRedirectError } from '../authorization-errors.js';
import type { AuthorizeCheck } from './authorize-check.js';
import { singleParameter } from './single-parameter.js';

/**
 * RFC 7636 §4.3, RFC 9700 §2.1.1: the challenge a code is bound to, by the client's PKCE
 * rules (tokens/pkce.ts). A response type that issues no code ignores the parameters.
 */
export const checkPkce: AuthorizeCheck = ({ query, client, checked }) => {
  if (!checked.responseType?.issuesCode) return {};
  const challenge = singleParameter(query, 'code_challenge');
  const method = singleParameter(query, 'code_challenge_method');
  try {
    return { pkce: checkCodeChallenge(challenge, method, client) };
  } catch (error) {
    if (error instanceof OAuthError)
      throw new AuthorizationRedirectError(error.error, error.description);
    throw error;
  }
};
