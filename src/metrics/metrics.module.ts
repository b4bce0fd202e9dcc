import { Module } from '@nestjs/common';
import { DatabaseMetrics } from './database-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsRegistry } from './metrics.registry.js';
import { OperationsMetrics } from './operations-metrics.js';

@Module({
  controllers: [MetricsController],
  providers: [MetricsRegistry, OperationsMetrics, DatabaseMetrics],
  exports: [MetricsRegistry, OperationsMetrics],
})
export class MetricsModule {}
