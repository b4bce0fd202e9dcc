import type { SchemaObject } from '@nestjs/swagger';

const uri = (description: string): SchemaObject => ({ type: 'string', format: 'uri', description });

/**
 * The token request's form parameters (RFC 6749 §4, RFC 8707, RFC 8693, RFC 7523), for the
 * OpenAPI document: the endpoint reads them from the form itself (TokenRequest), as each
 * grant reads its own.
 */
export const TOKEN_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['grant_type'],
  properties: {
    grant_type: {
      type: 'string',
      example: 'authorization_code',
      description:
        'authorization_code, client_credentials, refresh_token, password, urn:ietf:params:oauth:grant-type:jwt-bearer or urn:ietf:params:oauth:grant-type:token-exchange, as the client is registered for.',
    },
    scope: {
      type: 'string',
      description:
        'Space-separated scope names. With a resource, the names are that API’s scopes (and identity scopes such as openid).',
    },
    resource: {
      type: 'array',
      items: uri('An API identifier (RFC 8707): an absolute URI without fragment.'),
      description:
        'The API the access token is for, sent once (RFC 8707): an access token has exactly one audience, its `aud`. With refresh_token and authorization_code: any API the grant covers. Left out: the grant’s only API, else the client’s default_resource, else the issuer (Portcullis’s own APIs). Refused with invalid_target.',
    },
    code: { type: 'string', description: 'authorization_code: the code.' },
    redirect_uri: uri('authorization_code: as in the authorization request, when it was sent.'),
    code_verifier: { type: 'string', description: 'authorization_code: the PKCE verifier.' },
    refresh_token: { type: 'string', description: 'refresh_token: the current refresh token.' },
    username: { type: 'string', description: 'password grant.' },
    password: { type: 'string', format: 'password', description: 'password grant.' },
    assertion: { type: 'string', description: 'jwt-bearer grant: the signed assertion.' },
    subject_token: {
      type: 'string',
      description: 'token-exchange (RFC 8693): the access token of the user to act for.',
    },
    subject_token_type: {
      type: 'string',
      example: 'urn:ietf:params:oauth:token-type:access_token',
      description: 'token-exchange: urn:ietf:params:oauth:token-type:access_token (or :jwt).',
    },
    actor_token: { type: 'string', description: 'token-exchange: the acting party’s token.' },
    actor_token_type: { type: 'string', description: 'token-exchange: the actor token’s type.' },
    audience: {
      type: 'array',
      items: { type: 'string' },
      description: 'token-exchange: the API the new token is for, as resource.',
    },
    client_id: { type: 'string', description: 'With client_secret_post, none or an assertion.' },
    client_secret: { type: 'string', format: 'password', description: 'client_secret_post.' },
    client_assertion_type: { type: 'string', description: 'private_key_jwt (RFC 7523 §2.2).' },
    client_assertion: { type: 'string', description: 'private_key_jwt: the signed assertion.' },
  },
};
