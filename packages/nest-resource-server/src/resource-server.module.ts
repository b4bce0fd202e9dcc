import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { DpopBinding } from './dpop-binding.js';
import { IssuerKeys } from './issuer-keys.js';
import { IssuerMetadata } from './issuer-metadata.js';
import { ProtectedResourceMetadataRoute } from './protected-resource-metadata.route.js';
import { TokenIntrospector } from './token-introspector.js';
import {
  RESOURCE_SERVER_OPTIONS,
  type ResourceServerAsyncOptions,
  type ResourceServerOptions,
} from './resource-server.options.js';
import { VerifiedTokens } from './verified-tokens.js';

const PROVIDERS: Provider[] = [
  IssuerMetadata,
  IssuerKeys,
  AccessTokenVerifier,
  VerifiedTokens,
  TokenIntrospector,
  DpopBinding,
  BearerAuthGuard,
];

/** Serves RFC 9728 metadata when configured; nothing else uses it. */
const ROUTES: Provider[] = [ProtectedResourceMetadataRoute];

/**
 * Protects routes with Portcullis access tokens. It speaks only HTTP and JWKS, so any
 * Nest app can import it; it must not import anything from the rest of the server.
 */
@Module({})
export class ResourceServerModule {
  static forRoot(options: ResourceServerOptions): DynamicModule {
    return {
      module: ResourceServerModule,
      global: true,
      providers: [{ provide: RESOURCE_SERVER_OPTIONS, useValue: options }, ...PROVIDERS, ...ROUTES],
      exports: [RESOURCE_SERVER_OPTIONS, ...PROVIDERS],
    };
  }

  static forRootAsync(options: ResourceServerAsyncOptions): DynamicModule {
    return {
      module: ResourceServerModule,
      global: true,
      imports: (options.imports ?? []) as DynamicModule[],
      providers: [
        {
          provide: RESOURCE_SERVER_OPTIONS,
          useFactory: options.useFactory,
          inject: (options.inject ?? []) as never[],
        },
        ...PROVIDERS,
        ...ROUTES,
      ],
      exports: [RESOURCE_SERVER_OPTIONS, ...PROVIDERS],
    };
  }
}
