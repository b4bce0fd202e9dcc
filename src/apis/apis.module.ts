import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApisService } from './apis.service.js';
import { RegisteredApi } from './registered-api.entity.js';

/** Registered resource servers (RFC 8707): their identifiers, scopes and token lifetimes. */
@Module({
  imports: [TypeOrmModule.forFeature([RegisteredApi])],
  providers: [ApisService],
  exports: [ApisService],
})
export class ApisModule {}
