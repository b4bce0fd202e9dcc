import { DynamicModule, Module, Provider } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { BearerJwtStrategy } from './bearer-jwt.strategy.js';
import { IssuerMetadata } from './issuer-metadata.js';
import { JwksKeyResolver } from './jwks-key-resolver.js';
import { TokenIntrospector } from './token-introspector.js';
import {
  RESOURCE_SERVER_OPTIONS,
  type ResourceServerAsyncOptions,
  type ResourceServerOptions,
} from './resource-server.options.js';

const PROVIDERS: Provider[] = [
  IssuerMetadata,
  JwksKeyResolver,
  TokenIntrospector,
  BearerJwtStrategy,
  BearerAuthGuard,
];

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
      imports: [PassportModule],
      providers: [{ provide: RESOURCE_SERVER_OPTIONS, useValue: options }, ...PROVIDERS],
      exports: [RESOURCE_SERVER_OPTIONS, ...PROVIDERS],
    };
  }

  static forRootAsync(options: ResourceServerAsyncOptions): DynamicModule {
    return {
      module: ResourceServerModule,
      global: true,
      imports: [PassportModule, ...((options.imports ?? []) as DynamicModule[])],
      providers: [
        {
          provide: RESOURCE_SERVER_OPTIONS,
          useFactory: options.useFactory,
          inject: (options.inject ?? []) as never[],
        },
        ...PROVIDERS,
      ],
      exports: [RESOURCE_SERVER_OPTIONS, ...PROVIDERS],
    };
  }
}
