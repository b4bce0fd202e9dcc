import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A collector's OTLP/HTTP trace endpoint for BENCH_OTLP: reads each export and answers 200,
 * so that Portcullis pays for making and sending spans and nothing else. It runs in the
 * bench process, on the load generator's core.
 */
export async function startOtlpSink() {
  const received = { exports: 0, bytes: 0 };
  const server = http.createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (received.bytes += chunk.length));
    request.on('end', () => {
      received.exports++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
