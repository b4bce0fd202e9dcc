import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toErrorResponse } from '../common/error-response.js';
import { sendPage } from './page-reply.js';
import { errorPage } from './pages/error.page.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Not found',
  429: 'Too many attempts',
  503: 'Temporarily unavailable',
};

/** Errors on the pages are pages too: the same status, words for a person, no internals. */
@Catch()
export class PageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Pages');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers } = toErrorResponse(exception);
    if (status >= 500) this.logger.error(exception);
    const message =
      status === 429
        ? 'Too many attempts from here. Wait a minute and try again.'
        : status >= 500
          ? 'Something went wrong on our side. Try again in a moment.'
          : body.error_description;
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    void sendPage(reply, errorPage(TITLES[status] ?? 'Error', message), status);
  }
}
