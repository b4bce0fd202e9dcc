import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { JwksController } from './jwks.controller.js';
import { KeyEncryption, loadKeyEncryptionSecret } from './key-encryption.js';
import { KeysService } from './keys.service.js';
import { SigningKey } from './signing-key.entity.js';

@Module({
  imports: [TypeOrmModule.forFeature([SigningKey])],
  controllers: [JwksController],
  providers: [
    KeysService,
    {
      provide: KeyEncryption,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) =>
        new KeyEncryption(
          await loadKeyEncryptionSecret(config.keyEncryptionSecret, config.dataDir),
        ),
    },
  ],
  exports: [KeysService],
})
export class KeysModule {}
