import { Inject, Injectable } from '@nestjs/common';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';

export interface IssuerEndpoints {
  jwksUri: string;
  introspectionEndpoint?: string;
}

/**
 * The issuer's endpoints, from its RFC 8414 metadata unless configured explicitly. The
 * metadata must name the configured issuer exactly (RFC 8414 §3.3), or nothing is trusted.
 */
@Injectable()
export class IssuerMetadata {
  private endpoints?: Promise<IssuerEndpoints>;

  constructor(@Inject(RESOURCE_SERVER_OPTIONS) private readonly options: ResourceServerOptions) {}

  get(): Promise<IssuerEndpoints> {
    const { jwksUri, introspection } = this.options;
    if (jwksUri && (!introspection || introspection.endpoint)) {
      return Promise.resolve({ jwksUri, introspectionEndpoint: introspection?.endpoint });
    }
    // A failed discovery is not cached: the next request tries again.
    this.endpoints ??= this.discover().catch((error: unknown) => {
      this.endpoints = undefined;
      throw error;
    });
    return this.endpoints;
  }

  private async discover(): Promise<IssuerEndpoints> {
    const issuer = this.options.issuer;
    const url = new URL(issuer);
    // RFC 8414 §3: the well-known segment goes between the host and the issuer's path.
    const path = url.pathname === '/' ? '' : url.pathname;
    const response = await fetch(`${url.origin}/.well-known/oauth-authorization-server${path}`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`the issuer's metadata answered ${response.status}`);
    const metadata = (await response.json()) as Record<string, unknown>;
    if (metadata.issuer !== issuer)
      throw new Error(`the metadata names issuer ${String(metadata.issuer)}, not ${issuer}`);
    if (typeof metadata.jwks_uri !== 'string') throw new Error('the metadata has no jwks_uri');
    return {
      jwksUri: this.options.jwksUri ?? metadata.jwks_uri,
      introspectionEndpoint:
        this.options.introspection?.endpoint ??
        (typeof metadata.introspection_endpoint === 'string'
          ? metadata.introspection_endpoint
          : undefined),
    };
  }
}
