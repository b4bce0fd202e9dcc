import type { FastifyReply } from 'fastify';
import { toErrorResponse } from '../common/error-response.js';
import { sendPage } from './page-reply.js';
import { errorPage } from './pages/error.page.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Not found',
  413: 'Too large',
  415: 'Bad request',
  429: 'Too many attempts',
  503: 'Temporarily unavailable',
};

/** Errors on the pages are pages too: the same status, words for a person, no internals. */
export function sendErrorPage(reply: FastifyReply, exception: unknown): FastifyReply {
  const { status, body, headers } = toErrorResponse(exception);
  const message =
    status === 429
      ? 'Too many attempts from here. Wait a minute and try again.'
      : status >= 500
        ? 'Something went wrong on our side. Try again in a moment.'
        : body.error_description;
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
  return sendPage(reply, errorPage(TITLES[status] ?? 'Error', message), status);
}
