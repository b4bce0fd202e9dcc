import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminClientsController } from './admin-clients.controller.js';
import { KeysModule } from '../keys/keys.module.js';
import { AdminAuditController } from './admin-audit.controller.js';
import { AdminKeysController } from './admin-keys.controller.js';
import { AdminUsersController } from './admin-users.controller.js';

/** Thin JSON controllers over the services; every route needs scope `admin`. */
@Module({
  imports: [ClientsModule, UsersModule, KeysModule],
  controllers: [
    AdminClientsController,
    AdminUsersController,
    AdminKeysController,
    AdminAuditController,
  ],
})
export class AdminModule {}
