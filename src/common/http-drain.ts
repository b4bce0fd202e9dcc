import type { FastifyInstance } from 'fastify';
import net from 'node:net';

/** How long requests in progress at shutdown may take to finish before their sockets are cut. */
export const DRAIN_TIMEOUT_MS = 10_000;
/**
 * A connection is idle to Node until its request has been read: one the client sent just
 * before the signal may still be in a buffer. Idle connections are closed only after this.
 */
const IDLE_GRACE_MS = 250;
/** How often connections that are (or fell) idle during the drain are closed. */
const IDLE_SWEEP_MS = 50;

export interface HttpDrain {
  /**
   * Stops accepting connections and waits until every request in progress was answered
   * (its connection closed after the answer), or `timeoutMs` passed: then the rest are cut.
   * Resolves true when everything finished in time.
   */
  drain(timeoutMs?: number): Promise<boolean>;
}

/**
 * Graceful stop of the HTTP side, to run before anything the requests need (the database
 * pool, the group commits) goes away. Once draining, every answer says `Connection: close`,
 * so a keep-alive client does not send another request on a socket about to close.
 */
export function installHttpDrain(fastify: FastifyInstance): HttpDrain {
  let draining = false;
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('Connection', 'close');
    done(null, payload);
  });
  return {
    async drain(timeoutMs = DRAIN_TIMEOUT_MS) {
      draining = true;
      const server = fastify.server;
      if (!server.listening) return true;
      // net's close: stop listening, but not http's, which also cuts every idle connection
      // at once — requests already sent but not yet read among them.
      const closed = new Promise<void>((resolve) =>
        net.Server.prototype.close.call(server, () => resolve()),
      );
      let sweep: NodeJS.Timeout | undefined;
      const grace = setTimeout(() => {
        server.closeIdleConnections();
        sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      }, IDLE_GRACE_MS);
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        const finished = await Promise.race([closed.then(() => true), expired]);
        if (!finished) {
          server.closeAllConnections();
          await closed;
        }
        return finished;
      } finally {
        clearTimeout(grace);
        clearInterval(sweep);
        clearTimeout(timer);
      }
    },
  };
}
