import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminClientBootstrap } from './admin-client.bootstrap.js';
import { ClientAssertionVerifier } from './client-assertion.verifier.js';
import { ClientAuthenticator } from './client-authenticator.service.js';
import { Client } from './client.entity.js';
import { ClientsService } from './clients.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([Client])],
  providers: [ClientsService, ClientAuthenticator, ClientAssertionVerifier, AdminClientBootstrap],
  exports: [ClientsService, ClientAuthenticator, ClientAssertionVerifier],
})
export class ClientsModule {}
