import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '../metrics/metrics.module.js';
import { AuditEvent } from './audit-event.entity.js';
import { AuditService } from './audit.service.js';

/** The audit trail; global because every feature records into it. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent]), MetricsModule],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
