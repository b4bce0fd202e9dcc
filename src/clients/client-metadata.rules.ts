import { createPublicKey } from 'node:crypto';
import { resourceIdentifierProblem } from '../apis/resource-identifier.js';
import { OAuthError } from '../common/oauth-error.js';
import { Scope } from '../common/scope.js';
import { isSigningAlg, SIGNING_ALGS, type SigningAlg } from '../keys/signing-algorithms.js';
import type { TokenEndpointAuthMethod } from './client.entity.js';
import { redirectUriProblem } from './redirect-uri.rules.js';

/** Grant types a client may be registered with (RFC 7591 §2). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const REGISTRABLE_GRANT_TYPES = [
  'authorization_code',
  'client_credentials',
  'refresh_token',
  'password',
  JWT_BEARER_GRANT,
  TOKEN_EXCHANGE_GRANT,
  'implicit',
];
export const REGISTRABLE_RESPONSE_TYPES = ['code', 'token'];
export const AUTH_METHODS: TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
];

export interface ClientMetadata {
  redirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  jwks: { keys: Record<string, unknown>[] } | null;
  requirePkce: boolean;
  allowedCorsOrigins: string[];
  scope: string;
  resourceScopes: Record<string, string>;
  defaultResource: string | null;
  requirePushedAuthorizationRequests: boolean;
  dpopBoundAccessTokens: boolean;
  idTokenSignedResponseAlg: SigningAlg | null;
  userinfoSignedResponseAlg: SigningAlg | null;
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
  const usesImplicit = metadata.grantTypes.includes('implicit');
  if ((usesCode || usesImplicit) && metadata.redirectUris.length === 0) {
    throw new OAuthError(
      'invalid_redirect_uri',
      'redirect_uris must not be empty for authorization_code and implicit',
    );
  }
  if (usesCode !== metadata.responseTypes.includes('code')) {
    throw invalid(
      'response_types must include code exactly when grant_types includes authorization_code',
    );
  }
  if (usesImplicit !== metadata.responseTypes.includes('token')) {
    throw invalid('response_types must include token exactly when grant_types includes implicit');
  }
  // RFC 9126 §6: pushed requests are authorization requests; a client that makes none
  // cannot be held to pushing them.
  if (metadata.requirePushedAuthorizationRequests && !usesCode && !usesImplicit) {
    throw invalid(
      'require_pushed_authorization_requests needs the authorization_code or implicit grant',
    );
  }
  // Implicit tokens leave the authorization endpoint, where no DPoP proof can bind them.
  if (usesImplicit && metadata.dpopBoundAccessTokens) {
    throw invalid('dpop_bound_access_tokens cannot be true with the implicit grant');
  }
  if (metadata.tokenEndpointAuthMethod === 'none' && !metadata.requirePkce) {
    throw invalid('require_pkce cannot be false for a public client');
  }
  metadata.allowedCorsOrigins.forEach((origin, index) => {
    const problem = originProblem(origin);
    if (problem) throw invalid(`allowed_cors_origins[${index}] ${problem}`);
  });
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
  if (
    metadata.tokenEndpointAuthMethod === 'none' &&
    metadata.grantTypes.includes(TOKEN_EXCHANGE_GRANT)
  ) {
    throw invalid('token exchange needs a confidential client');
  }
  // Grants keep an API's scope as `<identifier>#<name>` and the issuer's by its bare name:
  // an issuer scope named `https://billing.example.com#write` would be Billing's `write`.
  if (metadata.scope.includes('#')) {
    throw invalid("scope names must not contain '#', which grants use to name an API's scopes");
  }
  checkResourceScopes(metadata);
  // OIDC Registration §2: algorithms the server has keys for (`none` is not offered).
  for (const [field, alg] of [
    ['id_token_signed_response_alg', metadata.idTokenSignedResponseAlg],
    ['userinfo_signed_response_alg', metadata.userinfoSignedResponseAlg],
  ] as const) {
    if (alg !== null && !isSigningAlg(alg))
      throw invalid(`${field} must be one of ${SIGNING_ALGS.join(', ')}`);
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
        createPublicKey({ key, format: 'jwk' });
      } catch {
        throw invalid(`jwks.keys[${index}] is not a valid public key`);
      }
    });
  }
}

/**
 * `resource_scopes` maps API identifiers (RFC 8707 §2) to scopes; `default_resource` is one
 * of them. Whether each API is registered, with those scopes, is ClientsService's to check.
 */
function checkResourceScopes({ resourceScopes, defaultResource }: ClientMetadata): void {
  const entries = Object.entries(resourceScopes);
  if (entries.length > 50) throw invalid('resource_scopes may name at most 50 APIs');
  for (const [identifier, scope] of entries) {
    const problem = resourceIdentifierProblem(identifier);
    if (problem) throw invalid(`resource_scopes key ${JSON.stringify(identifier)} ${problem}`);
    if (typeof scope !== 'string' || scope.length > 2000 || !Scope.parse(scope)) {
      throw invalid(`resource_scopes["${identifier}"] must be space-separated scope tokens`);
    }
  }
  if (defaultResource !== null && !Object.hasOwn(resourceScopes, defaultResource)) {
    throw invalid('default_resource must be one of the APIs of resource_scopes');
  }
}

/** An origin is scheme://host[:port] and nothing more; https, or http on a loopback host. */
function originProblem(origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'must be an origin such as https://app.example.com';
  }
  if (url.origin !== origin)
    return 'must be an origin only (scheme, host and port; no path or trailing slash)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
    return undefined;
  return 'must use https (http only for loopback hosts)';
}
