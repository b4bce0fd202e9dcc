import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A client's redirect endpoint on loopback: records every callback it receives. */
export async function startCallbackServer() {
  const received: URL[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    received.push(url);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Callback</title><p id="done">Back at the application.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    received,
    last: () => received[received.length - 1],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
