import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminClientsController } from './admin-clients.controller.js';
import { AdminAuditController } from './admin-audit.controller.js';
import { AdminUsersController } from './admin-users.controller.js';

/** Thin JSON controllers over the services; every route needs scope `admin`. */
@Module({
  imports: [ClientsModule, UsersModule],
  controllers: [AdminClientsController, AdminUsersController, AdminAuditController],
})
export class AdminModule {}
