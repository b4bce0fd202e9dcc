import { OAuthError } from '../common/oauth-error.js';
import { checkClientMetadata, type ClientMetadata } from './client-metadata.rules.js';

const codeClient: ClientMetadata = {
  redirectUris: ['https://app.example.com/cb'],
  grantTypes: ['authorization_code'],
  responseTypes: ['code'],
  tokenEndpointAuthMethod: 'client_secret_basic',
  jwks: null,
  requirePkce: true,
  allowedCorsOrigins: [],
  scope: 'openid',
  resourceScopes: {},
  defaultResource: null,
  requirePushedAuthorizationRequests: false,
  dpopBoundAccessTokens: false,
};

describe('checkClientMetadata: require_pushed_authorization_requests', () => {
  it('accepts it for a client of the authorization_code grant', () => {
    expect(() =>
      checkClientMetadata({ ...codeClient, requirePushedAuthorizationRequests: true }),
    ).not.toThrow();
  });

  it('refuses it for a client that makes no authorization requests', () => {
    const machine: ClientMetadata = {
      ...codeClient,
      redirectUris: [],
      grantTypes: ['client_credentials'],
      responseTypes: [],
      requirePushedAuthorizationRequests: true,
    };
    expect(() => checkClientMetadata(machine)).toThrow(
      new OAuthError(
        'invalid_client_metadata',
        'require_pushed_authorization_requests needs the authorization_code or implicit grant',
      ),
    );
    expect(() =>
      checkClientMetadata({ ...machine, requirePushedAuthorizationRequests: false }),
    ).not.toThrow();
  });
});
