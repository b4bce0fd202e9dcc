import { HttpException } from '@nestjs/common';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { BearerError } from '@portcullis/nest-resource-server';
import { errorCodeForStatus, OAuthError, REALM } from './oauth-error.js';

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

/** What a framework HttpException says, in the RFC shape. */
function fromHttpException(exception: HttpException): OAuthError {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response !== 'object' || response === null) {
    return new OAuthError(errorCodeForStatus(status), String(response), { status });
  }
  const { error, error_description, message } = response as Record<string, unknown>;
  if (typeof error === 'string' && typeof error_description === 'string') {
    return new OAuthError(error, error_description, { status });
  }
  const text = Array.isArray(message)
    ? message.join('; ')
    : typeof message === 'string'
      ? message
      : exception.message;
  return new OAuthError(errorCodeForStatus(status), text, { status });
}

/**
 * Turns anything thrown while serving a request into the server's one error type. Only
 * OAuthError and framework HTTP errors speak for themselves; everything else becomes a
 * bare server_error, so no stack trace, SQL or internal message reaches a client.
 */
export function asOAuthError(exception: unknown): OAuthError {
  if (exception instanceof OAuthError) return exception;
  if (exception instanceof BearerError) {
    // The guard library's refusal: still an RFC 6750 (or RFC 9449 §7.1) answer with its
    // challenge, and the DPoP-Nonce it hands out.
    return new OAuthError(exception.error, exception.description, {
      status: exception.getStatus(),
      headers: exception.headers(REALM),
    });
  }
  if (exception instanceof HttpException) return fromHttpException(exception);
  // Fastify's own errors (body parsing, size limits, content types) carry a 4xx statusCode.
  const statusCode = (exception as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const message = exception instanceof Error ? exception.message : 'bad request';
    return new OAuthError(errorCodeForStatus(statusCode), message, { status: statusCode });
  }
  if (isUnstorableInput(exception)) {
    return OAuthError.invalidRequest(
      'the request contains characters that cannot be processed (such as NUL)',
    );
  }
  if (isDatabaseUnavailable(exception)) {
    return new OAuthError(
      'temporarily_unavailable',
      'the database is unavailable, try again shortly',
      { headers: { 'Retry-After': '1' } },
    );
  }
  return new OAuthError('server_error', 'an unexpected error occurred');
}

/** The JSON rendering of an error: `{"error", "error_description", …}`, status and headers. */
export function toErrorResponse(exception: unknown): ErrorResponse {
  const error = asOAuthError(exception);
  return {
    status: error.status,
    body: { ...error.extra, error: error.error, error_description: error.description },
    headers: error.headers,
  };
}
