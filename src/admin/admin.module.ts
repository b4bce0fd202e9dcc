import { Module } from '@nestjs/common';
import { ApisModule } from '../apis/apis.module.js';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UpstreamModule } from '../upstream/upstream.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminApisController } from './admin-apis.controller.js';
import { AdminAuditController } from './admin-audit.controller.js';
import { AdminClientsController } from './admin-clients.controller.js';
import { AdminIdentitiesController } from './admin-identities.controller.js';
import { AdminKeysController } from './admin-keys.controller.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { AdminUpstreamsController } from './admin-upstreams.controller.js';
import { AdminUsersController } from './admin-users.controller.js';
import { Disablement } from './disablement.service.js';

/** Thin JSON controllers over the services; every route needs an admin client's token (AdminTokenGuard). */
@Module({
  imports: [
    ApisModule,
    ClientsModule,
    UsersModule,
    KeysModule,
    UpstreamModule,
    TokensModule,
    AuthorizationModule,
  ],
  providers: [Disablement, AdminTokenGuard],
  controllers: [
    AdminClientsController,
    AdminApisController,
    AdminUsersController,
    AdminKeysController,
    AdminAuditController,
    AdminUpstreamsController,
    AdminIdentitiesController,
  ],
})
export class AdminModule {}
