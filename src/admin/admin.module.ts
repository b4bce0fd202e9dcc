import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminClientsController } from './admin-clients.controller.js';
import { KeysModule } from '../keys/keys.module.js';
import { AdminAuditController } from './admin-audit.controller.js';
import { AdminIdentitiesController } from './admin-identities.controller.js';
import { AdminKeysController } from './admin-keys.controller.js';
import { AdminUpstreamsController } from './admin-upstreams.controller.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UpstreamModule } from '../upstream/upstream.module.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AdminTokenGuard } from './admin-token.guard.js';

/** Thin JSON controllers over the services; every route needs an admin client's token (AdminTokenGuard). */
@Module({
  imports: [ClientsModule, UsersModule, KeysModule, UpstreamModule, TokensModule],
  providers: [AdminTokenGuard],
  controllers: [
    AdminClientsController,
    AdminUsersController,
    AdminKeysController,
    AdminAuditController,
    AdminUpstreamsController,
    AdminIdentitiesController,
  ],
})
export class AdminModule {}
