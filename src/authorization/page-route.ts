import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { sendErrorPage } from './page-error.reply.js';

/**
 * Marks a handler whose answers are pages for a person. Its controller's PageExceptionFilter
 * renders what the handler throws; this also covers what Fastify refuses before the handler
 * runs (a body too large, of the wrong type, or unparseable), which Nest's global filter
 * would otherwise answer as JSON.
 */
export const PageRoute = (): MethodDecorator => RouteConfig({ page: true });

/** Gives every @PageRoute() route an error handler that answers with an error page. */
export function installPageErrors(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const config: { page?: unknown } = route.config ?? {};
    if (config.page !== true) return;
    route.errorHandler = (error, _request, reply) => {
      void sendErrorPage(reply, error);
    };
  });
}
