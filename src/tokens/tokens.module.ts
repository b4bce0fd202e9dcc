import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { AccessTokenIssuer } from './access-token.issuer.js';
import { GrantRegistry } from './grant-registry.js';
import { GRANT_HANDLERS } from './grants/grant-handler.js';
import { GRANT_HANDLER_CLASSES } from './grants/index.js';
import { TokenController } from './token.controller.js';

@Module({
  imports: [ClientsModule, KeysModule],
  controllers: [TokenController],
  providers: [
    AccessTokenIssuer,
    GrantRegistry,
    ...GRANT_HANDLER_CLASSES,
    {
      provide: GRANT_HANDLERS,
      useFactory: (...handlers: unknown[]) => handlers,
      inject: GRANT_HANDLER_CLASSES,
    },
  ],
  exports: [AccessTokenIssuer, GrantRegistry],
})
export class TokensModule {}
