import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { OAuthError } from '../common/oauth-error.js';
import type { TokenEndpointAuthMethod } from './client.entity.js';
import { redirectUriProblem } from './redirect-uri.rules.js';

/** Grant types a client may be registered with (RFC 7591 §2). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const REGISTRABLE_GRANT_TYPES = [
  'authorization_code',
  'client_credentials',
  'refresh_token',
  'password',
  JWT_BEARER_GRANT,
];
export const REGISTRABLE_RESPONSE_TYPES = ['code'];
export const AUTH_METHODS: TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
];

export interface ClientMetadata {
  redirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  jwks: { keys: Record<string, unknown>[] } | null;
}

const invalid = (description: string) => new OAuthError('invalid_client_metadata', description);

/**
 * The rules that span fields (RFC 7591 §2.1): a redirect-based grant needs redirect URIs,
 * response types must match grant types, a client that cannot authenticate cannot use
 * client_credentials, and published keys must be public.
 */
export function checkClientMetadata(metadata: ClientMetadata): void {
  metadata.redirectUris.forEach((uri, index) => {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError('invalid_redirect_uri', `redirect_uris[${index}] ${problem}`);
  });
  const usesCode = metadata.grantTypes.includes('authorization_code');
  if (usesCode && metadata.redirectUris.length === 0) {
    throw new OAuthError(
      'invalid_redirect_uri',
      'redirect_uris must not be empty for authorization_code',
    );
  }
  if (usesCode !== metadata.responseTypes.includes('code')) {
    throw invalid(
      'response_types must include code exactly when grant_types includes authorization_code',
    );
  }
  if (
    metadata.tokenEndpointAuthMethod === 'none' &&
    metadata.grantTypes.includes('client_credentials')
  ) {
    throw invalid(
      'client_credentials needs a confidential client (token_endpoint_auth_method other than none)',
    );
  }
  const needsKeys =
    metadata.tokenEndpointAuthMethod === 'private_key_jwt' ||
    metadata.grantTypes.includes(JWT_BEARER_GRANT);
  if (needsKeys && !metadata.jwks?.keys.length) {
    throw invalid('jwks must hold the public keys for private_key_jwt and the jwt-bearer grant');
  }
  if (metadata.tokenEndpointAuthMethod === 'none' && metadata.grantTypes.includes('password')) {
    throw invalid('the password grant needs a confidential client');
  }
  if (metadata.jwks) {
    metadata.jwks.keys.forEach((key, index) => {
      if (typeof key.kty !== 'string' || !['RSA', 'EC', 'OKP'].includes(key.kty)) {
        throw invalid(`jwks.keys[${index}].kty must be RSA, EC or OKP`);
      }
      if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((member) => member in key)) {
        throw invalid(`jwks.keys[${index}] must be a public key (no private members)`);
      }
      try {
        createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
      } catch {
        throw invalid(`jwks.keys[${index}] is not a valid public key`);
      }
    });
  }
}
