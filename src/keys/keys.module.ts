import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { JwksController } from './jwks.controller.js';
import { configuredOrDevSecret } from '../common/dev-secret.js';
import { KeyEncryption } from './key-encryption.js';
import { JwtSigner } from './jwt-signer.service.js';
import { KeysService } from './keys.service.js';
import { SigningKey } from './signing-key.entity.js';

@Module({
  imports: [TypeOrmModule.forFeature([SigningKey])],
  controllers: [JwksController],
  providers: [
    KeysService,
    JwtSigner,
    {
      provide: KeyEncryption,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) =>
        new KeyEncryption(
          await configuredOrDevSecret(
            config.keyEncryptionSecret,
            config.dataDir,
            'key-encryption-secret',
          ),
        ),
    },
  ],
  exports: [KeysService, JwtSigner, KeyEncryption],
})
export class KeysModule {}
