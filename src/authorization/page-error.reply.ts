import type { FastifyReply } from 'fastify';
import { asOAuthError } from '../common/error-response.js';
import { noteRefusal } from '../common/refusal.js';
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

/**
 * The page rendering of an error (error-response.ts has the JSON one): the same status and
 * headers, words for a person, no internals.
 */
export function sendErrorPage(reply: FastifyReply, exception: unknown): FastifyReply {
  const { error, status, description, headers, title } = asOAuthError(exception);
  noteRefusal(reply, error);
  const message =
    status === 429
      ? 'Too many attempts from here. Wait a minute and try again.'
      : status >= 500
        ? 'Something went wrong on our side. Try again in a moment.'
        : description;
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
  return sendPage(reply, errorPage(title ?? TITLES[status] ?? 'Error', message), status);
}
