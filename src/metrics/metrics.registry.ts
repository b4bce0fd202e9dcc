import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { registerProcessMetrics } from './process-metrics.js';

/**
 * The Prometheus registry of this process: its own figures (memory, event-loop lag, open
 * resources and file descriptors, CPU) and one count and latency per route.
 * A registry of its own rather than prom-client's global one, so nothing else's metrics leak in.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by route pattern',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    registerProcessMetrics(this.registry);
  }
}
