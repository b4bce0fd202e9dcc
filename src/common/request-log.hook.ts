import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { redactUrl } from './logger.options.js';

const REQUEST_ID = /^[\w.-]{1,64}$/;

function levelOf(reply: FastifyReply): 'error' | 'warn' | 'debug' {
  return reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'warn' : 'debug';
}

/**
 * One line per answered request: failures at `error`, refusals at `warn` (a client being
 * refused is what an operator looks for), successes at `debug`, since the audit trail already
 * records every credential issued. Nothing is built for a line the level will drop.
 */
export function installRequestLog(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    const level = levelOf(reply);
    if (logger.isLevelEnabled(level) && !(level === 'debug' && request.url === '/health')) {
      const given = request.headers['x-request-id'];
      // Flat fields: pino-http's req/res serializers expect node's request and response.
      logger[level](
        {
          requestId: typeof given === 'string' && REQUEST_ID.test(given) ? given : request.id,
          method: request.method,
          url: redactUrl(request.url),
          remoteAddress: request.ip,
          userAgent: request.headers['user-agent'],
          statusCode: reply.statusCode,
          responseTime: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    }
    done();
  });
}
