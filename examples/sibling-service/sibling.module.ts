import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { BearerAuthGuard, ResourceServerModule } from '@portcullis/nest-resource-server';
import { AttachmentsController } from './attachments.controller.js';
import { DownstreamClient } from './downstream.client.js';
import { NotesController } from './notes.controller.js';

/**
 * A sibling service protected by Portcullis tokens. Configuration comes from the environment:
 * ISSUER (required), AUDIENCE (default: the issuer), RESOURCE (its resource identifier for
 * RFC 9728 metadata; default http://HOST:PORT), for revocation-aware mode
 * INTROSPECTION_CLIENT_ID and INTROSPECTION_CLIENT_SECRET, and for the attachments route,
 * which calls the storage service with an exchanged token, DOWNSTREAM_URL,
 * DOWNSTREAM_AUDIENCE, EXCHANGE_CLIENT_ID and EXCHANGE_CLIENT_SECRET (DownstreamClient).
 * DPoP-bound tokens are accepted with a proof whatever the configuration; DPOP_REQUIRED=true
 * accepts nothing else (an API registered with dpop_bound_access_tokens), and PUBLIC_URL is
 * the URL clients reach this service at, which proofs name (default: the request's own).
 */
@Module({
  imports: [
    ConfigModule.forRoot({ ignoreEnvFile: true }),
    ResourceServerModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const issuer = config.getOrThrow<string>('ISSUER');
        const clientId = config.get<string>('INTROSPECTION_CLIENT_ID');
        const clientSecret = config.get<string>('INTROSPECTION_CLIENT_SECRET');
        const host = config.get<string>('HOST') ?? '127.0.0.1';
        const port = config.get<string>('PORT') ?? '4000';
        const publicUrl = config.get<string>('PUBLIC_URL');
        return {
          issuer,
          audience: config.get<string>('AUDIENCE') ?? issuer,
          introspection:
            clientId && clientSecret ? { clientId, clientSecret, cacheSeconds: 2 } : undefined,
          // RFC 9449: proofs name this service's URL; a single instance keeps used proofs in
          // memory (a fleet would plug a shared replayStore).
          dpop: {
            required: config.get<string>('DPOP_REQUIRED') === 'true',
            publicBaseUrl: publicUrl,
          },
          // Clients that know only this API's URL find Portcullis from here (RFC 9728).
          resourceMetadata: {
            resource: config.get<string>('RESOURCE') ?? `http://${host}:${port}`,
            resourceName: 'Notes',
            scopesSupported: ['notes:read', 'notes:write'],
          },
        };
      },
    }),
  ],
  controllers: [NotesController, AttachmentsController],
  // Every route needs a token unless it says @Public().
  providers: [DownstreamClient, { provide: APP_GUARD, useClass: BearerAuthGuard }],
})
export class SiblingModule {}
