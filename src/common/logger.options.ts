import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';

/** Names whose values are secrets wherever they appear: headers, bodies, query strings. */
export const SECRET_NAMES = [
  'authorization',
  'cookie',
  'set-cookie',
  'client_secret',
  'password',
  'refresh_token',
  'access_token',
  'id_token',
  'code',
  'code_verifier',
  'assertion',
  'client_assertion',
  'token',
];

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'err.parameters',
  ...SECRET_NAMES.flatMap((name) => [`${name}`, `*.${name}`, `*.*.${name}`]).filter(
    (path) => !path.includes('-'),
  ),
];

const SECRET_QUERY = new RegExp(`([?&](?:${SECRET_NAMES.join('|')})=)[^&#]*`, 'gi');

/** The URL with the values of secret query parameters replaced. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[redacted]');
}

export function loggerParams(config: AppConfig): Params {
  return {
    // nestjs-pino's default route pattern matches nothing under Nest 12 on Fastify.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      genReqId: (request: IncomingMessage) => {
        const given = request.headers['x-request-id'];
        return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
      },
      serializers: {
        req: (request: IncomingMessage & { id?: string }) => ({
          id: request.id,
          method: request.method,
          url: redactUrl(request.url),
          remoteAddress: request.socket?.remoteAddress,
          userAgent: request.headers?.['user-agent'],
        }),
        res: (response: ServerResponse) => ({ statusCode: response.statusCode }),
      },
      customLogLevel: (_request, response, error) =>
        error || response.statusCode >= 500
          ? 'error'
          : response.statusCode >= 400
            ? 'warn'
            : 'info',
      autoLogging: { ignore: (request) => request.url === '/health' },
    },
  };
}
