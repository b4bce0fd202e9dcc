import net from 'node:net';
import type { Credentials } from '../support/http-client.js';
import { adminAuth } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/*
 * RFC 9112 §9.6: an answer sent before the request was read (413, 431) must reach a client
 * that is still sending. The server answers, stops writing, reads and discards for a bounded
 * time, then closes; closing at once resets the connection under the client, which then never
 * sees the answer (Node's fetch reported `EPIPE` for a 5 MB body).
 */
describe('early answers reach a client still sending', () => {
  let t: TestApp;
  let admin: Credentials;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
  });
  afterAll(() => t.close());

  const headersOf = (auth: Credentials) =>
    auth && 'bearer' in auth ? { authorization: `Bearer ${auth.bearer}` } : {};

  it('answers a 5 MB JSON body with 413 and the JSON error, to fetch', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await fetch(`${t.baseUrl}/admin/clients`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headersOf(admin) },
        body: JSON.stringify({ client_name: 'x'.repeat(5 * 1024 * 1024) }),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        error: 'invalid_request',
        error_description: expect.any(String),
      });
    }
  });

  it('answers a streamed (chunked) body past the limit with 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 80) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${t.baseUrl}/admin/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersOf(admin) },
      body,
      duplex: 'half',
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers headers past the limit with 431, though a 5 MB body follows them', async () => {
    const res = await fetch(`${t.baseUrl}/admin/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-padding': 'p'.repeat(40 * 1024) },
      body: 'x'.repeat(5 * 1024 * 1024),
    });
    expect(res.status).toBe(431);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'the request headers are too large',
    });
  });

  it('closes a connection whose client keeps sending after the answer, within a bound', async () => {
    // allowHalfOpen: it goes on sending after the server's FIN, as a client mid-upload does.
    const socket = net.connect({ port: t.port, host: '127.0.0.1', allowHalfOpen: true });
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((resolve) =>
      socket.once('close', () => resolve(Date.now())),
    );
    socket.write(
      'POST /admin/clients HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${100 * 1024 * 1024}\r\n\r\n`,
    );
    // A client that never stops: 64 KiB every 50 ms, far short of what it announced.
    const started = Date.now();
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write(Buffer.alloc(64 * 1024, 'x'));
    }, 50);
    const closedAt = await closed;
    clearInterval(trickle);
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toContain('"error":"invalid_request"');
    // 5 s of lingering (LINGER_MS), with room for a loaded machine.
    expect(closedAt - started).toBeGreaterThanOrEqual(4_000);
    expect(closedAt - started).toBeLessThan(9_000);
  }, 20_000);
});
