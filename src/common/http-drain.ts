import type { FastifyInstance } from 'fastify';

/** How long requests in progress at shutdown may take to finish before their sockets are cut. */
export const DRAIN_TIMEOUT_MS = 10_000;
/** How often connections that fell idle during the drain are closed. */
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() cuts the connections idle at that moment; these fall idle later.
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
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
        clearInterval(sweep);
        clearTimeout(timer);
      }
    },
  };
}
