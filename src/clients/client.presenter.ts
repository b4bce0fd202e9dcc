import type { Client } from './client.entity.js';

/** A client as the admin API shows it: RFC 7591 names, never the secret (digest or sealed). */
export function presentClient(client: Client) {
  return {
    client_id: client.clientId,
    client_name: client.clientName,
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    response_types: client.responseTypes,
    scope: client.scope,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    jwks: client.jwks,
    require_pkce: client.requirePkce,
    allow_plain_pkce: client.allowPlainPkce,
    allowed_cors_origins: client.allowedCorsOrigins,
    resource_scopes: client.resourceScopes,
    default_resource: client.defaultResource,
    token_exchange_impersonation: client.tokenExchangeImpersonation,
    require_pushed_authorization_requests: client.requirePushedAuthorizationRequests,
    dpop_bound_access_tokens: client.dpopBoundAccessTokens,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    userinfo_signed_response_alg: client.userinfoSignedResponseAlg,
    disabled: client.disabled,
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
  };
}

/** The answer that carries a newly issued secret, shown this once. */
export function presentClientWithSecret(client: Client, secret: string | undefined) {
  return {
    ...presentClient(client),
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
  };
}
