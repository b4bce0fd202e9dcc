import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DPOP_ALGORITHMS } from './dpop-proof.js';
import {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from './protected-resource-metadata.js';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';

/**
 * Serves RFC 9728 protected resource metadata at the URL §3.1 derives from the resource
 * identifier, the one the guard's challenges name, when `resourceMetadata` is configured.
 * A route on the HTTP adapter rather than a controller: its path comes from the options,
 * which `forRootAsync` only has once its factory has run, and a well-known URL sits at the
 * host's root whatever global prefix the app's controllers have. Express and Fastify alike.
 */
@Injectable()
export class ProtectedResourceMetadataRoute implements OnModuleInit {
  constructor(
    @Inject(RESOURCE_SERVER_OPTIONS) private readonly options: ResourceServerOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const metadata = this.options.resourceMetadata;
    // No HTTP adapter in a standalone application context: nothing to serve.
    const adapter = this.adapterHost.httpAdapter;
    if (!metadata || !adapter) return;
    // The guard takes DPoP-bound tokens whatever the options: say which proofs it accepts.
    const document = protectedResourceMetadata(this.options.issuer, metadata, {
      algorithms: DPOP_ALGORITHMS,
      required: this.options.dpop?.required === true,
    });
    const path = new URL(protectedResourceMetadataUrl(metadata.resource)).pathname;
    adapter.get(path, (_request: unknown, response: unknown) => {
      adapter.setHeader(response, 'Cache-Control', 'public, max-age=300');
      adapter.reply(response, document, 200);
    });
  }
}
