import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeysModule } from '../keys/keys.module.js';
import { CozeTokenController } from './coze/coze-token.controller.js';
import { CozeClient } from './coze/coze.client.js';
import { EnvironmentConnectionsBootstrap } from './environment-connections.bootstrap.js';
import { TokenCache } from './token-cache.service.js';
import { UpstreamConnection } from './upstream-connection.entity.js';
import { UpstreamConnectionsService } from './upstream-connections.service.js';
import { UpstreamHttp } from './upstream-http.js';

/** Upstream platforms: a provider-neutral core (connections, HTTP, cache) and one folder per provider. */
@Module({
  imports: [TypeOrmModule.forFeature([UpstreamConnection]), KeysModule],
  controllers: [CozeTokenController],
  providers: [
    UpstreamConnectionsService,
    UpstreamHttp,
    TokenCache,
    CozeClient,
    EnvironmentConnectionsBootstrap,
  ],
  exports: [UpstreamConnectionsService],
})
export class UpstreamModule {}
