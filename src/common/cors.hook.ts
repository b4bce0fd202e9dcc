import type { FastifyInstance } from 'fastify';

/** The endpoints a browser-based client calls directly; never the authorize endpoint or pages. */
const CORS_PATHS = new Set([
  '/oauth/token',
  '/oauth/revoke',
  '/oauth/introspect',
  '/oauth/userinfo',
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
  '/.well-known/jwks.json',
]);

/**
 * CORS for origins clients registered: the answer (errors included) names the origin, and a
 * preflight is answered here. No cookies cross origins, so no credentials are allowed.
 */
export function installCors(
  fastify: FastifyInstance,
  allows: (origin: string) => Promise<boolean>,
): void {
  // A callback hook, not an async one: most requests carry no Origin and cost one check.
  fastify.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (!origin) return done();
    const query = request.url.indexOf('?');
    if (!CORS_PATHS.has(query === -1 ? request.url : request.url.slice(0, query))) return done();
    allows(origin).then(
      (allowed) => {
        if (!allowed) return done();
        void reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
        if (request.method === 'OPTIONS') {
          void reply
            .code(204)
            .header('Access-Control-Allow-Methods', 'GET, POST')
            .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, DPoP')
            .header('Access-Control-Max-Age', '600')
            .send();
          return; // answered: the request goes no further
        }
        // DPoP-Nonce: a browser client must read it to retry with the nonce (RFC 9449 §8).
        void reply.header(
          'Access-Control-Expose-Headers',
          'WWW-Authenticate, Retry-After, DPoP-Nonce',
        );
        done();
      },
      (error: Error) => done(error),
    );
  });
}
