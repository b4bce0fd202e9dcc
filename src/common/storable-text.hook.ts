import type { FastifyInstance } from 'fastify';
import { toErrorResponse } from './error-response.js';
import { OAuthError } from './oauth-error.js';

/** A NUL, or half of a surrogate pair: text PostgreSQL cannot store and validators choke on. */
// eslint-disable-next-line no-control-regex -- finding the NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function holdsUnstorableText(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (UNSTORABLE.test(next)) return true;
    } else if (next !== null && typeof next === 'object') {
      for (const [key, member] of Object.entries(next)) pending.push(key, member);
    }
  }
  return false;
}

/**
 * Refuses, before any API handler, a request whose path parameters, query or body hold a NUL
 * character or a lone surrogate: PostgreSQL rejects such text with an error of its own (a 500
 * had it got that far), and no field of this API has a use for it.
 */
export function installStorableTextCheck(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request, reply, done) => {
    // Pages answer for themselves: /oauth/authorize must send a bad `state` back to the
    // client as invalid_request, and the others render PostgreSQL's refusal as a 400 page.
    if ((request.routeOptions.config as { page?: unknown }).page === true) return done();
    if (![request.params, request.query, request.body].some(holdsUnstorableText)) return done();
    const { status, body } = toErrorResponse(
      OAuthError.invalidRequest(
        'the request holds a NUL character or text that is not valid Unicode',
      ),
    );
    void reply.status(status).header('Cache-Control', 'no-store').send(body);
  });
}
