import { trace, type Attributes } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

let tracing = false;

/** Called by the tracing SDK when it starts; until then nothing here costs a hook. */
export function markTracingOn(): void {
  tracing = true;
}

/**
 * Names each request's span by its route pattern (`POST /oauth/token`,
 * `GET /admin/clients/:clientId`), never the concrete URL, once Fastify has matched it.
 */
export function installRequestSpanNames(fastify: FastifyInstance): void {
  if (!tracing) return;
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    const span = trace.getActiveSpan();
    if (span && route) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    done();
  });
}

/**
 * Adds what the request is about (`oauth.grant_type`, `oauth.client_id`) to its span; nothing
 * when tracing is off. Identifiers only: never a secret, token, code or assertion.
 */
export function describeRequestSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}
