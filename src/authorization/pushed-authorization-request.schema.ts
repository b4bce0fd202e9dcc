import type { SchemaObject } from '@nestjs/swagger';

const uri = (description: string): SchemaObject => ({ type: 'string', format: 'uri', description });

/**
 * The pushed authorization request's form parameters (RFC 9126 §2.1): the authorization
 * request's own (RFC 6749 §4.1.1, RFC 7636, RFC 8707, OpenID Connect) and the client's
 * authentication, as at the token endpoint. For the OpenAPI document: the endpoint reads
 * them from the form itself.
 */
export const PUSHED_AUTHORIZATION_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['response_type'],
  properties: {
    response_type: {
      type: 'string',
      example: 'code',
      description: 'code, or token for clients registered for implicit.',
    },
    redirect_uri: uri(
      'One of the client’s redirect URIs; may be left out when it registered only one. An unregistered one is invalid_redirect_uri.',
    ),
    scope: { type: 'string', example: 'openid email', description: 'Space-separated scopes.' },
    state: { type: 'string', description: 'Returned with the answer (at most 2048 characters).' },
    nonce: { type: 'string', description: 'OpenID Connect: copied into the ID token.' },
    code_challenge: { type: 'string', description: 'PKCE (RFC 7636): the S256 challenge.' },
    code_challenge_method: { type: 'string', example: 'S256' },
    resource: {
      type: 'array',
      items: uri('An API identifier (RFC 8707): an absolute URI without fragment.'),
      description: 'The APIs the grant is for, one value each; refused with invalid_target.',
    },
    prompt: { type: 'string', description: 'none or login (OpenID Connect Core §3.1.2.1).' },
    client_id: {
      type: 'string',
      description: 'Required for public clients (none); with client_secret_post or an assertion.',
    },
    client_secret: { type: 'string', format: 'password', description: 'client_secret_post.' },
    client_assertion_type: { type: 'string', description: 'private_key_jwt (RFC 7523 §2.2).' },
    client_assertion: { type: 'string', description: 'private_key_jwt: the signed assertion.' },
  },
};
