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
  idTokenSignedResponseAlg: null,
  userinfoSignedResponseAlg: null,
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

describe('checkClientMetadata: id_token_signed_response_alg and userinfo_signed_response_alg', () => {
  it.each(['ES256', 'RS256', 'PS256', 'EdDSA'] as const)('accepts %s, which has a key', (alg) => {
    expect(() =>
      checkClientMetadata({
        ...codeClient,
        idTokenSignedResponseAlg: alg,
        userinfoSignedResponseAlg: alg,
      }),
    ).not.toThrow();
  });

  it.each(['HS256', 'none', 'RS512', 'es256'])('refuses %s with invalid_client_metadata', (alg) => {
    for (const field of ['idTokenSignedResponseAlg', 'userinfoSignedResponseAlg'] as const) {
      let error: unknown;
      try {
        checkClientMetadata({ ...codeClient, [field]: alg as never });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(OAuthError);
      expect((error as OAuthError).error).toBe('invalid_client_metadata');
    }
  });
});
