import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module.js';
import { DiscoveryController } from './discovery.controller.js';

@Module({
  imports: [TokensModule],
  controllers: [DiscoveryController],
})
export class DiscoveryModule {}
