import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminClientBootstrap } from './admin-client.bootstrap.js';
import { ClientAuthenticator } from './client-authenticator.service.js';
import { Client } from './client.entity.js';
import { ClientsService } from './clients.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([Client])],
  providers: [ClientsService, ClientAuthenticator, AdminClientBootstrap],
  exports: [ClientsService, ClientAuthenticator],
})
export class ClientsModule {}
