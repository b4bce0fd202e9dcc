import { HttpException } from '@nestjs/common';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { BearerError } from '../resource-server/bearer-error.js';
import { errorCodeForStatus, OAuthError } from './oauth-error.js';

export interface ErrorResponse {
  status: number;
  body: { error: string; error_description: string; [member: string]: unknown };
  headers: Record<string, string>;
}

/**
 * PostgreSQL refusing a value the client sent: a NUL character (22021), which no text column
 * can hold, or text that does not convert (22P05). The client's input is at fault, so it is
 * a 400 rather than a 500 — whichever query first met the value.
 */
function isUnstorableInput(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '22021' || code === '22P05';
}

/**
 * Turns anything thrown while serving a request into an RFC-shaped answer. Only
 * OAuthError and framework HTTP errors speak for themselves; everything else becomes a
 * bare server_error, so no stack trace, SQL or internal message reaches a client.
 */
export function toErrorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof OAuthError) {
    return {
      status: exception.status,
      body: {
        ...exception.extra,
        error: exception.error,
        error_description: exception.description,
      },
      headers: exception.headers,
    };
  }
  if (exception instanceof BearerError) {
    // Thrown past the guard (by a handler): still an RFC 6750 answer with its challenge.
    const challenge = exception.challenge('portcullis');
    return {
      status: exception.getStatus(),
      body: { error: exception.error, error_description: exception.description },
      headers: challenge ? { 'WWW-Authenticate': challenge } : {},
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null) {
      const { error, error_description, message } = response as Record<string, unknown>;
      if (typeof error === 'string' && typeof error_description === 'string') {
        return { status, body: { error, error_description }, headers: {} };
      }
      const text = Array.isArray(message)
        ? message.join('; ')
        : typeof message === 'string'
          ? message
          : exception.message;
      return {
        status,
        body: { error: errorCodeForStatus(status), error_description: text },
        headers: {},
      };
    }
    return {
      status,
      body: { error: errorCodeForStatus(status), error_description: String(response) },
      headers: {},
    };
  }
  // Fastify's own errors (body parsing, size limits, content types) carry a 4xx statusCode.
  const statusCode = (exception as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const message = exception instanceof Error ? exception.message : 'bad request';
    return {
      status: statusCode,
      body: { error: errorCodeForStatus(statusCode), error_description: message },
      headers: {},
    };
  }
  if (isUnstorableInput(exception)) {
    return {
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: 'the request contains characters that cannot be processed (such as NUL)',
      },
      headers: {},
    };
  }
  if (isDatabaseUnavailable(exception)) {
    return {
      status: 503,
      body: {
        error: 'temporarily_unavailable',
        error_description: 'the database is unavailable, try again shortly',
      },
      headers: { 'Retry-After': '1' },
    };
  }
  return {
    status: 500,
    body: { error: 'server_error', error_description: 'an unexpected error occurred' },
    headers: {},
  };
}
