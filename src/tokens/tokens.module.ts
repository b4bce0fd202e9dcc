import { Module } from '@nestjs/common';
import { CodesModule } from '../authorization/codes.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenRevocations } from './access-token-revocations.js';
import { AccessTokenIssuer } from './access-token.issuer.js';
import { AccessTokenVerifier } from './access-token.verifier.js';
import { GrantRegistry } from './grant-registry.js';
import { IdTokenIssuer } from './id-token.issuer.js';
import { GRANT_HANDLERS } from './grants/grant-handler.js';
import { GRANT_HANDLER_CLASSES } from './grants/index.js';
import { IntrospectionController } from './introspection.controller.js';
import { LiveTokenGuard } from './live-token.guard.js';
import { PartyTokensRevoker } from './party-tokens-revoker.service.js';
import { RefreshTokensService } from './refresh-tokens.service.js';
import { RevocationController } from './revocation.controller.js';
import { TokenInspector } from './token-inspector.service.js';
import { TokenMinter } from './token-minter.service.js';
import { TokenRevoker } from './token-revoker.service.js';
import { TokenController } from './token.controller.js';

@Module({
  imports: [ClientsModule, KeysModule, UsersModule, CodesModule],
  controllers: [TokenController, RevocationController, IntrospectionController],
  providers: [
    AccessTokenIssuer,
    AccessTokenVerifier,
    AccessTokenRevocations,
    RefreshTokensService,
    TokenMinter,
    IdTokenIssuer,
    TokenInspector,
    TokenRevoker,
    PartyTokensRevoker,
    LiveTokenGuard,
    GrantRegistry,
    ...GRANT_HANDLER_CLASSES,
    {
      provide: GRANT_HANDLERS,
      useFactory: (...handlers: unknown[]) => handlers,
      inject: GRANT_HANDLER_CLASSES,
    },
  ],
  exports: [
    AccessTokenIssuer,
    AccessTokenRevocations,
    GrantRegistry,
    LiveTokenGuard,
    PartyTokensRevoker,
    RefreshTokensService,
    TokenMinter,
  ],
})
export class TokensModule {}
