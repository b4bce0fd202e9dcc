import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { challengedUnderDpop } from './dpop-challenge.js';
import { toErrorResponse } from './error-response.js';
import { noteRefusal } from './refusal.js';

/** The one place where errors become HTTP answers. */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers: answered } = toErrorResponse(exception);
    // The guard put the principal there; `jkt` only for a token whose key the request proved.
    const principal = host.switchToHttp().getRequest<{ user?: { jkt?: unknown } }>().user;
    const headers = typeof principal?.jkt === 'string' ? challengedUnderDpop(answered) : answered;
    if (status >= 500) this.logger.error(exception);
    noteRefusal(reply, body.error);
    void reply
      .status(status)
      .headers({ ...headers, 'Cache-Control': 'no-store', Pragma: 'no-cache' })
      .send(body);
  }
}
