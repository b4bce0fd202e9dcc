import http from 'node:http';
import type { AddressInfo } from 'node:net';

type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean };

/** A span as OTLP/HTTP JSON carries it, with its attributes as a plain record. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean | undefined>;
}

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: AnyValue }[] };
    scopeSpans?: {
      spans?: (Omit<ReceivedSpan, 'attributes'> & {
        attributes?: { key: string; value: AnyValue }[];
      })[];
    }[];
  }[];
}

const valueOf = (value: AnyValue) =>
  value.stringValue ?? (value.intValue === undefined ? value.boolValue : Number(value.intValue));

/**
 * A collector's OTLP/HTTP trace endpoint (`POST /v1/traces`, JSON): keeps every payload as
 * received, to search the raw text, and the spans in it.
 */
export async function startOtlpReceiver() {
  const payloads: string[] = [];
  const spans: ReceivedSpan[] = [];
  const services = new Set<string>();
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      payloads.push(body);
      const parsed = JSON.parse(body) as ExportRequest;
      for (const resource of parsed.resourceSpans ?? []) {
        for (const attribute of resource.resource?.attributes ?? []) {
          if (attribute.key === 'service.name') services.add(String(valueOf(attribute.value)));
        }
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              ...span,
              attributes: Object.fromEntries(
                (span.attributes ?? []).map(({ key, value }) => [key, valueOf(value)]),
              ),
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    payloads,
    spans,
    services,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
