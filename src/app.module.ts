import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthorizationModule } from './authorization/authorization.module.js';
import { ClientsModule } from './clients/clients.module.js';
import { loggerParams } from './common/logger.options.js';
import { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/app-config.module.js';
import { ChangeFeedModule } from './database/change-feed.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DiscoveryModule } from './discovery/discovery.module.js';
import { HealthModule } from './health/health.module.js';
import { KeysModule } from './keys/keys.module.js';
import { KeysService } from './keys/keys.service.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ResourceServerModule } from '@portcullis/nest-resource-server';
import { DpopNonces } from './tokens/dpop-nonces.js';
import { PostgresDpopReplayStore } from './tokens/dpop-replay.store.js';
import { DPOP_PROOF_MAX_AGE_SECONDS } from './tokens/token-request-proof.js';
import { TokensModule } from './tokens/tokens.module.js';
import { UpstreamModule } from './upstream/upstream.module.js';
import { UsersModule } from './users/users.module.js';

/** Wires the feature modules; nothing else lives here. */
@Module({})
export class AppModule {
  /** Assembled on demand, so the environment is read when the app is built, not imported. */
  static register(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(),
        LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerParams }),
        DatabaseModule,
        ChangeFeedModule,
        AuditModule,
        KeysModule,
        ClientsModule,
        UsersModule,
        TokensModule,
        DiscoveryModule,
        MetricsModule,
        // Portcullis guards its own APIs with the same library sibling services use,
        // fed with its keys in-process instead of over HTTP.
        ResourceServerModule.forRootAsync({
          imports: [KeysModule, TokensModule],
          inject: [AppConfig, KeysService, DpopNonces, PostgresDpopReplayStore],
          useFactory: (
            config: AppConfig,
            keys: KeysService,
            nonces: DpopNonces,
            replays: PostgresDpopReplayStore,
          ) => ({
            issuer: config.issuer,
            audience: config.issuer,
            jwks: () => keys.freshJwks(),
            dpop: {
              // The own routes are reached where discovery says: under the issuer's URL.
              publicBaseUrl: config.issuer,
              // Single use across every instance, in the table the token endpoint uses too.
              replayStore: replays,
              // DPOP_NONCE=all: the token endpoint's nonces, asked for here too.
              nonce:
                config.dpopNonce === 'all'
                  ? { current: () => nonces.current(), check: (nonce) => nonces.accepts(nonce) }
                  : undefined,
              clockSkewSeconds: config.clockSkewSeconds,
              // The token endpoint's window, so one rule holds at every Portcullis route.
              maxAgeSeconds: DPOP_PROOF_MAX_AGE_SECONDS,
            },
          }),
        }),
        AuthorizationModule,
        UpstreamModule,
        AdminModule,
        HealthModule,
      ],
    };
  }
}
