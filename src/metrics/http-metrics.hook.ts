import type { FastifyInstance } from 'fastify';
import type { RequestMetrics } from './request-metrics.js';

/**
 * Counts every answered request under its route pattern (`/admin/clients/:clientId`, never
 * the concrete URL), so label values stay few whatever clients send; unknown paths share one.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: RequestMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.record(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
