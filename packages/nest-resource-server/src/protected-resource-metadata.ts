import type { ProtectedResourceMetadataOptions } from './resource-server.options.js';

/** The well-known suffix of RFC 9728 §3. */
export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** RFC 9728 §2: the members this library publishes. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
  /** RFC 9728 §2: the DPoP proof algorithms accepted (the guard accepts DPoP-bound tokens). */
  dpop_signing_alg_values_supported?: string[];
  /** RFC 9728 §2: present (true) when the resource takes DPoP-bound tokens only. */
  dpop_bound_access_tokens_required?: boolean;
}

/**
 * The resource identifier, checked: RFC 9728 §1.2 asks for an absolute URL (https, or http
 * for local development) without a fragment. Thrown at boot, so a typo fails loudly.
 */
function resourceUrl(resource: string): URL {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new Error(`resourceMetadata.resource must be an absolute URL, not ${resource}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`resourceMetadata.resource must be an https URL, not ${resource}`);
  if (url.hash || resource.includes('#'))
    throw new Error(`resourceMetadata.resource must have no fragment: ${resource}`);
  return url;
}

/**
 * RFC 9728 §3.1: the metadata URL inserts the well-known suffix between the host and the
 * path of the resource identifier (a path of `/` alone adds nothing), query kept.
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = resourceUrl(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${PROTECTED_RESOURCE_WELL_KNOWN}${path}${url.search}`;
}

/** The RFC 9728 §3.2 document for a resource protected by tokens of `issuer`. */
export function protectedResourceMetadata(
  issuer: string,
  options: ProtectedResourceMetadataOptions,
  dpop?: { algorithms: readonly string[]; required: boolean },
): ProtectedResourceMetadata {
  resourceUrl(options.resource);
  return {
    resource: options.resource,
    authorization_servers: [issuer],
    // The guard reads only the Authorization header (RFC 6750 §2.1).
    bearer_methods_supported: ['header'],
    ...(options.scopesSupported && { scopes_supported: [...options.scopesSupported] }),
    ...(options.resourceName && { resource_name: options.resourceName }),
    ...(options.resourceDocumentation && {
      resource_documentation: options.resourceDocumentation,
    }),
    ...(dpop && { dpop_signing_alg_values_supported: [...dpop.algorithms] }),
    ...(dpop?.required && { dpop_bound_access_tokens_required: true }),
  };
}
