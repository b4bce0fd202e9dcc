import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

/** How long a refused request's remaining bytes are read and discarded before the close. */
export const LINGER_MS = 5_000;

const lingering = new WeakSet<Socket>();

/** Whether `socket` is already being closed by closeLingering. */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}

/**
 * Closes a connection whose client may still be sending, as RFC 9112 §9.6 describes: stop
 * writing (a FIN once the answer is flushed), keep reading and discarding what arrives, and
 * close fully when the client has finished or after LINGER_MS. Closing at once would leave
 * unread bytes in the kernel, which answers them with a reset that destroys the answer
 * before the client reads it (a 413 for a large body never seen).
 */
export function closeLingering(socket: Socket): void {
  if (lingering.has(socket) || socket.destroyed) return;
  lingering.add(socket);
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  // Whatever still reads the socket (the HTTP parser, dumping the body) keeps reading; when
  // nothing does, the bytes are drained here.
  if (socket.listenerCount('data') === 0) socket.on('data', () => undefined);
  socket.resume();
}

/**
 * Answers sent before their request's body was read (413 for a body over the limit, an
 * unparseable body) close their connection lingeringly instead of at once. Node's HTTP server
 * closes a `Connection: close` answer's socket with `destroySoon()`, falling back to a plain
 * `end()` where a socket has none; this gives such sockets the lingering close instead.
 */
export function installLingeringClose(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    const socket = request.raw.socket as Socket & { destroySoon?: () => void };
    if (!request.raw.complete && socket) socket.destroySoon = () => closeLingering(socket);
    done(null, payload);
  });
}
