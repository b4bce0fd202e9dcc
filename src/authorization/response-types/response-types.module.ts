import { Module } from '@nestjs/common';
import { TokensModule } from '../../tokens/tokens.module.js';
import { RESPONSE_TYPE_HANDLER_CLASSES } from './index.js';
import { RESPONSE_TYPE_HANDLERS } from './response-type-handler.js';
import { ResponseTypeRegistry } from './response-type-registry.js';

/** The response types of the authorize endpoint, apart so discovery can list them. */
@Module({
  imports: [TokensModule],
  providers: [
    ResponseTypeRegistry,
    ...RESPONSE_TYPE_HANDLER_CLASSES,
    {
      provide: RESPONSE_TYPE_HANDLERS,
      useFactory: (...handlers: unknown[]) => handlers,
      inject: RESPONSE_TYPE_HANDLER_CLASSES,
    },
  ],
  exports: [ResponseTypeRegistry],
})
export class ResponseTypesModule {}
