import type { FastifyRequest } from 'fastify';
import type { ClientCredentialsInput } from '../clients/client-authenticator.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { TokenRequest } from './token-request.js';

/** The parameters of an OAuth endpoint that takes application/x-www-form-urlencoded bodies. */
export function readForm(request: FastifyRequest): TokenRequest {
  const contentType = request.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) {
    throw OAuthError.invalidRequest('the body must be application/x-www-form-urlencoded');
  }
  return new TokenRequest((request.body ?? {}) as Record<string, unknown>, request.ip);
}

/** What the request offers to authenticate its client with. */
export function clientCredentials(
  request: FastifyRequest,
  params: TokenRequest,
): ClientCredentialsInput {
  return {
    ip: request.ip,
    authorization: request.headers.authorization,
    clientId: params.get('client_id'),
    clientSecret: params.get('client_secret'),
    clientAssertionType: params.get('client_assertion_type'),
    clientAssertion: params.get('client_assertion'),
  };
}
