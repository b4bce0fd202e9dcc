import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';
import { registerProcessMetrics } from './process-metrics.js';
import { RequestMetrics } from './request-metrics.js';

/**
 * The Prometheus registry of this process: its own figures (memory, event-loop lag, open
 * resources and file descriptors, CPU) and one count and latency per route.
 * A registry of its own rather than prom-client's global one, so nothing else's metrics leak in.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly requests = new RequestMetrics();

  constructor() {
    registerProcessMetrics(this.registry);
    this.requests.register(this.registry);
  }
}
