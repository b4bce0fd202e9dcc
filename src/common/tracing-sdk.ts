import type { ExportResult } from '@opentelemetry/core';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as Instrumentation from '@opentelemetry/instrumentation';
import type * as HttpInstrumentation from '@opentelemetry/instrumentation-http';
import type * as PgInstrumentation from '@opentelemetry/instrumentation-pg';
import type * as UndiciInstrumentation from '@opentelemetry/instrumentation-undici';
import type * as Resources from '@opentelemetry/resources';
import type * as TraceBase from '@opentelemetry/sdk-trace-base';
import type * as TraceNode from '@opentelemetry/sdk-trace-node';
import type { IncomingMessage } from 'node:http';
import { markTracingOn } from './request-span.js';

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<it>/v1/traces`. */
  endpoint: string;
  serviceName: string;
}

/** Scraped and probed every few seconds: a span each would drown the requests worth seeing. */
const UNTRACED_PATHS = new Set(['/health', '/metrics']);

/**
 * Attributes whose values may carry what a client put in a URL's query (an authorization
 * `code` or `state` on a callback): dropped, or the query cut off, before any span leaves.
 */
function withoutQueries(span: TraceBase.ReadableSpan): TraceBase.ReadableSpan {
  const attributes = { ...span.attributes };
  delete attributes['url.query'];
  for (const name of ['url.full', 'http.url', 'http.target']) {
    const value = attributes[name];
    if (typeof value === 'string' && value.includes('?')) attributes[name] = value.split('?')[0];
  }
  return Object.create(span, { attributes: { value: attributes } }) as TraceBase.ReadableSpan;
}

/**
 * Starts the OpenTelemetry SDK: W3C trace context, a span per incoming request (named by its
 * route pattern once Fastify has matched it, see request-span.ts), one per SQL statement
 * (the text only: parameters are never recorded) and one per upstream call, with its
 * `traceparent` header. Spans are exported in batches as OTLP/HTTP JSON.
 * The packages are loaded here, through `require`, only when tracing is on.
 */
export function startTracing(
  require: NodeJS.Require,
  options: TracingOptions,
): () => Promise<void> {
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof Instrumentation;
  const { HttpInstrumentation: Http } =
    require('@opentelemetry/instrumentation-http') as typeof HttpInstrumentation;
  const { PgInstrumentation: Pg } =
    require('@opentelemetry/instrumentation-pg') as typeof PgInstrumentation;
  const { UndiciInstrumentation: Undici } =
    require('@opentelemetry/instrumentation-undici') as typeof UndiciInstrumentation;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof Resources;
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof TraceBase;
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof TraceNode;

  const otlp = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const exporter: TraceBase.SpanExporter = {
    export: (spans, done: (result: ExportResult) => void) =>
      otlp.export(spans.map(withoutQueries), done),
    shutdown: () => otlp.shutdown(),
    forceFlush: () => otlp.forceFlush(),
  };
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // The global provider, AsyncLocalStorage context and the W3C traceparent propagator.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new Http({
        ignoreIncomingRequestHook: (request: IncomingMessage) =>
          UNTRACED_PATHS.has((request.url ?? '').split('?')[0]),
        // Upstream calls go through fetch (undici, below); the exporter's own requests are not traced.
        disableOutgoingRequestInstrumentation: true,
      }),
      new Undici(),
      new Pg({
        enhancedDatabaseReporting: false, // never a parameter (hashes, ids, secrets) in a span
        requireParentSpan: true, // the change feed's heartbeat is no request's
      }),
    ],
  });
  markTracingOn();
  process.stderr.write(`tracing on: exporting spans to ${options.endpoint}\n`);
  // Called at shutdown: the spans still buffered are sent.
  return () => provider.shutdown();
}
