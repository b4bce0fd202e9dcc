import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { closeLingering, isLingering } from './lingering-close.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'the request could not be parsed as HTTP',
  408: 'the request took too long to arrive',
  431: 'the request headers are too large',
};

/**
 * Answers a request that Node could not even parse (a broken request line, headers past the
 * size limit, a slow sender) with the same RFC 6749 error shape as every other refusal,
 * instead of Fastify's `{"error":"Bad Request","message":...}`. Nothing of the request is
 * known here, not even its method or route, so the answer is JSON and the connection closes,
 * lingeringly (closeLingering): the client may still be sending what was refused.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // The parser reports every later chunk of a refused request again: it was answered.
  if (isLingering(socket)) return;
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : 400;
  const body = JSON.stringify({
    error: 'invalid_request',
    error_description: DESCRIPTIONS[status],
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Cache-Control: no-store\r\nConnection: close\r\n\r\n' +
        body,
    );
  }
  closeLingering(socket);
}
