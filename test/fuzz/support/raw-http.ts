import http from 'node:http';

/** A request as the fuzzer builds it: any method token, raw path bytes, repeated headers. */
export interface RawRequest {
  method: string;
  /** Sent as is (latin1), so `%ff`, a lone `%` or bytes above 0x7f reach the server unchanged. */
  path: string;
  /** A header given twice is sent as two lines. */
  headers?: [string, string][];
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** The server did not answer within the time allowed: a hang. */
export class RequestTimeout extends Error {}

/**
 * Sends one request on a fresh connection with node:http, which (unlike fetch) lets any
 * method token, non-UTF-8 path bytes and a body with no content type through, and gives
 * up after `timeoutMs`.
 */
export function send(baseUrl: string, request: RawRequest, timeoutMs = 5000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const grouped = new Map<string, string[]>();
    for (const [name, value] of request.headers ?? []) {
      grouped.set(name, [...(grouped.get(name) ?? []), value]);
    }
    const outgoing = http.request({
      host: url.hostname,
      port: url.port,
      method: request.method,
      path: request.path,
      agent: false,
      // Sent without a Host line of its own choosing unless the fuzzer gives one.
      setHost: !grouped.has('host'),
      // A header line grows past Node's default limit when the fuzzer makes it so.
      maxHeaderSize: 64 * 1024,
    });
    for (const [name, values] of grouped) {
      outgoing.setHeader(name, values.length === 1 ? values[0] : values);
    }
    // Node frames a GET, HEAD or DELETE body with nothing unless told its length.
    if (request.body && !grouped.has('content-length'))
      outgoing.setHeader('content-length', request.body.length);
    const timer = setTimeout(() => {
      outgoing.destroy(
        new RequestTimeout(`no answer within ${timeoutMs} ms: ${request.method} ${request.path}`),
      );
    }, timeoutMs);
    outgoing.on('response', (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      incoming.on('end', () => {
        clearTimeout(timer);
        const body = Buffer.concat(chunks);
        resolve({
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          body,
          text: body.toString('utf8'),
        });
      });
    });
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(request.body);
  });
}
