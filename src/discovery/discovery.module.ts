import { Module } from '@nestjs/common';
import { ApisModule } from '../apis/apis.module.js';
import { ResponseTypesModule } from '../authorization/response-types/response-types.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { DiscoveryController } from './discovery.controller.js';

@Module({
  imports: [ApisModule, TokensModule, ResponseTypesModule],
  controllers: [DiscoveryController],
})
export class DiscoveryModule {}
