import { OAuthError } from '../../common/oauth-error.js';
import type { AuthorizeCheck } from './authorize-check.js';
import { singleParameter } from './single-parameter.js';

/** RFC 6749 §3.1.1: a registered response type, which the client is registered for. */
export const checkResponseType: AuthorizeCheck = ({ query, client, responseTypes }) => {
  const name = singleParameter(query, 'response_type');
  if (!name) throw new OAuthError('invalid_request', 'response_type is required');
  const responseType = responseTypes(name);
  if (!responseType) {
    throw new OAuthError('unsupported_response_type', `response_type ${name} is not supported`);
  }
  if (!client.grantTypes.includes(responseType.grantType) || !client.responseTypes.includes(name)) {
    throw new OAuthError('unauthorized_client', `this client may not use response_type ${name}`);
  }
  return { responseType };
};
