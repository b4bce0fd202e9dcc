import { checkCodeChallenge } from '../../tokens/pkce.js';
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
  return { pkce: checkCodeChallenge(challenge, method, client) };
};
