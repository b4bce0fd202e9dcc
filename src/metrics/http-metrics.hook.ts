import type { FastifyInstance } from 'fastify';
import type { MetricsRegistry } from './metrics.registry.js';

/**
 * Counts every answered request under its route pattern (`/admin/clients/:clientId`, never
 * the concrete URL), so label values stay few whatever clients send; unknown paths share one.
 * The label-bound series are kept, so a request costs a map lookup, not a label hash.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: MetricsRegistry): void {
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(seconds: number): void }>();
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let counter = counters.get(key);
    if (!counter) {
      counter = metrics.requests.labels(request.method, route, String(reply.statusCode));
      counters.set(key, counter);
    }
    counter.inc();
    let timer = timers.get(route);
    if (!timer) {
      timer = metrics.duration.labels(route);
      timers.set(route, timer);
    }
    timer.observe(reply.elapsedTime / 1000);
    done();
  });
}
