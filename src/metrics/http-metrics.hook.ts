import type { FastifyInstance } from 'fastify';
import { refusalOf } from '../common/refusal.js';
import type { OperationsMetrics } from './operations-metrics.js';
import type { RequestMetrics } from './request-metrics.js';

/**
 * Counts every answered request under its route pattern (`/admin/clients/:clientId`, never
 * the concrete URL), so label values stay few whatever clients send; unknown paths share one.
 * A refusal is also counted by its RFC error code.
 */
export function installHttpMetrics(
  fastify: FastifyInstance,
  metrics: RequestMetrics,
  operations: OperationsMetrics,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.record(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (reply.statusCode >= 400) {
      const error = refusalOf(reply);
      if (error !== undefined) operations.refused(route, error);
    }
    done();
  });
}
