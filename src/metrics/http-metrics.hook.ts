import type { FastifyInstance } from 'fastify';
import type { MetricsRegistry } from './metrics.registry.js';

/**
 * Counts every answered request under its route pattern (`/admin/clients/:id`, never the
 * concrete URL), so label values stay few whatever clients send; unknown paths share one.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: MetricsRegistry): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: reply.statusCode });
    metrics.duration.observe({ route }, reply.elapsedTime / 1000);
    done();
  });
}
