import type { RegisteredApi } from './registered-api.entity.js';

/** An API as the admin API shows it, with the names of ../shared/ARCHITECTURE.md. */
export function presentApi(api: RegisteredApi) {
  return {
    id: api.id,
    identifier: api.identifier,
    name: api.name,
    scopes: api.scopes,
    access_token_ttl: api.accessTokenTtl,
    dpop_bound_access_tokens: api.dpopBoundAccessTokens,
    created_at: api.createdAt.toISOString(),
    updated_at: api.updatedAt.toISOString(),
  };
}
