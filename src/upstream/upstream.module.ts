import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { UsersModule } from '../users/users.module.js';
import { FeishuSignIn } from './feishu/feishu-sign-in.js';
import { FeishuTokenController } from './feishu/feishu-token.controller.js';
import { FeishuClient } from './feishu/feishu.client.js';
import { UpstreamIdentities } from './upstream-identities.service.js';
import { CozeTokenController } from './coze/coze-token.controller.js';
import { CozeClient } from './coze/coze.client.js';
import { EnvironmentConnectionsBootstrap } from './environment-connections.bootstrap.js';
import { TokenCache } from './token-cache.service.js';
import { UpstreamConnection } from './upstream-connection.entity.js';
import { UpstreamConnectionsService } from './upstream-connections.service.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { UpstreamHttp } from './upstream-http.js';

/** Upstream platforms: a provider-neutral core (connections, HTTP, cache) and one folder per provider. */
@Module({
  imports: [
    TypeOrmModule.forFeature([UpstreamConnection]),
    KeysModule,
    MetricsModule,
    UsersModule,
    ClientsModule,
    TokensModule,
    AuthorizationModule,
  ],
  controllers: [CozeTokenController, FeishuTokenController],
  providers: [
    UpstreamConnectionsService,
    UpstreamHttp,
    TokenCache,
    CozeClient,
    FeishuClient,
    FeishuSignIn,
    UpstreamIdentities,
    EnvironmentConnectionsBootstrap,
  ],
  exports: [UpstreamConnectionsService, UpstreamIdentities],
})
export class UpstreamModule {}
