import { Module } from '@nestjs/common';
import { ApisModule } from '../apis/apis.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { UsersModule } from '../users/users.module.js';
import { configuredOrDevSecret } from '../common/dev-secret.js';
import { AppConfig } from '../config/app-config.js';
import { DpopNonces } from './dpop-nonces.js';
import { AccessTokenClaimsReader } from './access-token-claims.js';
import { AccessTokenLiveness } from './access-token-liveness.js';
import { AccessTokenIssuer } from './access-token.issuer.js';
import { AccessTokenStore } from './access-token.store.js';
import { AuthorizationCodeStore } from './authorization-code.store.js';
import { PostgresDpopReplayStore } from './dpop-replay.store.js';
import { GrantRegistry } from './grant-registry.js';
import { GRANT_HANDLERS } from './grants/grant-handler.js';
import { GRANT_HANDLER_CLASSES } from './grants/index.js';
import { IdTokenIssuer } from './id-token.issuer.js';
import { IntrospectionController } from './introspection.controller.js';
import { LiveTokenGuard } from './live-token.guard.js';
import { RefreshTokenStore } from './refresh-token.store.js';
import { RevocationController } from './revocation.controller.js';
import { TokenInspector } from './token-inspector.service.js';
import { TokenAudience } from './token-audience.js';
import { TokenMinter } from './token-minter.service.js';
import { TokenRevocation } from './token-revocation.service.js';
import { TokenRevoker } from './token-revoker.service.js';
import { TokenController } from './token.controller.js';
import { TokenRequestProof } from './token-request-proof.js';

/**
 * Every credential Portcullis issues, one store each (authorization codes, access tokens,
 * refresh tokens), the token, revocation and introspection endpoints, and the one way
 * credentials are revoked.
 */
@Module({
  imports: [ApisModule, ClientsModule, KeysModule, MetricsModule, UsersModule],
  controllers: [TokenController, RevocationController, IntrospectionController],
  providers: [
    AccessTokenIssuer,
    AccessTokenClaimsReader,
    AccessTokenStore,
    AccessTokenLiveness,
    AuthorizationCodeStore,
    PostgresDpopReplayStore,
    RefreshTokenStore,
    TokenMinter,
    TokenAudience,
    IdTokenIssuer,
    TokenInspector,
    TokenRequestProof,
    TokenRevocation,
    TokenRevoker,
    LiveTokenGuard,
    GrantRegistry,
    {
      // Keyed from KEY_ENCRYPTION_SECRET, which every instance of a deployment shares.
      provide: DpopNonces,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) =>
        new DpopNonces(
          await configuredOrDevSecret(
            config.keyEncryptionSecret,
            config.dataDir,
            'key-encryption-secret',
          ),
        ),
    },
    ...GRANT_HANDLER_CLASSES,
    {
      provide: GRANT_HANDLERS,
      useFactory: (...handlers: unknown[]) => handlers,
      inject: GRANT_HANDLER_CLASSES,
    },
  ],
  exports: [
    AccessTokenLiveness,
    AuthorizationCodeStore,
    DpopNonces,
    GrantRegistry,
    LiveTokenGuard,
    PostgresDpopReplayStore,
    TokenAudience,
    TokenMinter,
    TokenRequestProof,
    TokenRevocation,
  ],
})
export class TokensModule {}
