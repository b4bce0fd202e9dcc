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
  fastify.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    const path = request.url.split('?')[0];
    if (!origin || !CORS_PATHS.has(path) || !(await allows(origin))) return;
    void reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
    if (request.method === 'OPTIONS') {
      return reply
        .code(204)
        .header('Access-Control-Allow-Methods', 'GET, POST')
        .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, DPoP')
        .header('Access-Control-Max-Age', '600')
        .send();
    }
    void reply.header('Access-Control-Expose-Headers', 'WWW-Authenticate, Retry-After');
  });
}
