import fastifyCookie from '@fastify/cookie';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { CookieSecret } from './authorization/cookie-secret.js';
import { installPageErrors } from './authorization/page-route.js';
import { CorsOrigins } from './clients/cors-origins.service.js';
import { answerClientError } from './common/client-error.handler.js';
import { installCoalescedWrites } from './common/coalesced-writes.hook.js';
import { installCors } from './common/cors.hook.js';
import { installLingeringClose } from './common/lingering-close.js';
import { OAuthExceptionFilter } from './common/oauth-exception.filter.js';
import { installRequestLog } from './common/request-log.hook.js';
import { NestWiringAtDebug } from './common/nest-wiring-at-debug.logger.js';
import { installRequestSpanNames } from './common/request-span.js';
import { installStorableTextCheck } from './common/storable-text.hook.js';
import { createValidationPipe } from './common/validation.pipe.js';
import type { Environment } from './config/environment.js';
import { installHttpMetrics } from './metrics/http-metrics.hook.js';
import { MetricsRegistry } from './metrics/metrics.registry.js';
import { OperationsMetrics } from './metrics/operations-metrics.js';

/** Request bodies larger than this are answered 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * TRUST_PROXY as Fastify's `trustProxy`. Fastify takes a bare number as "trust no hop", so a
 * hop count becomes the function proxy-addr makes of one: the first `hops` addresses, from
 * the socket's peer outwards, may name the next.
 */
function trustProxyOption(trust: Environment['TRUST_PROXY']): boolean | string[] | TrustProxy {
  if (typeof trust !== 'number') return trust;
  return (_address, hop) => hop < trust;
}
type TrustProxy = (address: string, hop: number) => boolean;

/** The HTTP server, with the client's address taken as the validated TRUST_PROXY says. */
export function createHttpAdapter(environment: Pick<Environment, 'TRUST_PROXY'>): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(environment.TRUST_PROXY),
    // Larger headers are refused by Node with 431 before they reach the app.
    http: { maxHeaderSize: 16 * 1024 },
    routerOptions: { maxParamLength: 256 },
    clientErrorHandler: answerClientError,
  });
}

/** Everything about the HTTP app that main.ts and the command-line tools share. */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  app.useLogger(new NestWiringAtDebug(app.get(Logger)));
  installRequestLog(app.getHttpAdapter().getInstance(), PinoLogger.root);
  installRequestSpanNames(app.getHttpAdapter().getInstance());
  installHttpMetrics(
    app.getHttpAdapter().getInstance(),
    app.get(MetricsRegistry).requests,
    app.get(OperationsMetrics),
  );
  await app.register(fastifyCookie, { secret: app.get(CookieSecret).value });
  const corsOrigins = app.get(CorsOrigins);
  installCors(app.getHttpAdapter().getInstance(), (origin) => corsOrigins.allows(origin));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new OAuthExceptionFilter());
  installPageErrors(app.getHttpAdapter().getInstance());
  installCoalescedWrites(app.getHttpAdapter().getInstance());
  installLingeringClose(app.getHttpAdapter().getInstance());
  installStorableTextCheck(app.getHttpAdapter().getInstance());
  // Set when the request arrives, so every answer carries them, errors included.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      reply.header('X-Content-Type-Options', 'nosniff');
      reply.header('Referrer-Policy', 'no-referrer');
      // No page of this server may be framed (clickjacking), the API docs included; the
      // login and consent pages replace this policy with their stricter one.
      reply.header('X-Frame-Options', 'DENY');
      reply.header('Content-Security-Policy', "frame-ancestors 'none'");
      done();
    });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Portcullis')
      .setDescription('OAuth 2.0 authorization server: token endpoint, discovery and admin API.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
