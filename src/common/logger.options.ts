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
  // A pushed request's reference (RFC 9126): usable by whoever brings it first.
  'request_uri',
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

export async function loggerParams(config: AppConfig): Promise<Params> {
  const options = {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return {
    // No per-request middleware: pino-http's child logger and async-local context cost more
    // than the rest of a token request's bookkeeping. Requests are logged by a Fastify hook
    // (request-log.hook.ts) that does nothing unless its line will be written.
    forRoutes: [],
    pinoHttp: config.logFormat === 'pretty' ? [options, await prettyStream()] : options,
  };
}

/**
 * Redacted lines made readable in this thread, written synchronously: in order with what the
 * server prints outside the log, and complete when the process exits. Loaded only when asked
 * for, so JSON logging does not pay for it.
 */
async function prettyStream() {
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}
