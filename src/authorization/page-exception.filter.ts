import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { asOAuthError } from '../common/error-response.js';
import { sendErrorPage } from './page-error.reply.js';

/** Errors on the pages are pages too: the same status, words for a person, no internals. */
@Catch()
export class PageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Pages');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (asOAuthError(exception).status >= 500) this.logger.error(exception);
    void sendErrorPage(host.switchToHttp().getResponse<FastifyReply>(), exception);
  }
}
