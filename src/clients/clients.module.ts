import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApisModule } from '../apis/apis.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { AdminClientBootstrap } from './admin-client.bootstrap.js';
import { ClientAuthThrottle } from './client-auth-throttle.service.js';
import { ClientAssertionVerifier } from './client-assertion.verifier.js';
import { ClientAuthenticator } from './client-authenticator.service.js';
import { Client } from './client.entity.js';
import { ClientsService } from './clients.service.js';
import { CorsOrigins } from './cors-origins.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([Client]), ApisModule, KeysModule, MetricsModule],
  providers: [
    ClientsService,
    ClientAuthenticator,
    ClientAuthThrottle,
    ClientAssertionVerifier,
    AdminClientBootstrap,
    CorsOrigins,
  ],
  exports: [ClientsService, ClientAuthenticator, ClientAssertionVerifier, CorsOrigins],
})
export class ClientsModule {}
