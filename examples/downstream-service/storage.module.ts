import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { BearerAuthGuard, ResourceServerModule } from '@portcullis/nest-resource-server';
import { AttachmentsController } from './attachments.controller.js';

/**
 * A storage API one step behind the notes sibling: it is called with tokens the notes service
 * got by token exchange (RFC 8693), for its own audience. Configuration from the environment:
 * ISSUER (required), AUDIENCE (required: the identifier it is registered under at
 * /admin/apis, so that tokens for any other API are refused), HOST, PORT (default 4100).
 */
@Module({
  imports: [
    ConfigModule.forRoot({ ignoreEnvFile: true }),
    ResourceServerModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        issuer: config.getOrThrow<string>('ISSUER'),
        audience: config.getOrThrow<string>('AUDIENCE'),
      }),
    }),
  ],
  controllers: [AttachmentsController],
  providers: [{ provide: APP_GUARD, useClass: BearerAuthGuard }],
})
export class StorageModule {}
