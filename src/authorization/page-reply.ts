import type { FastifyReply } from 'fastify';

/**
 * Sends an HTML page with the headers every page carries: no framing (X-Frame-Options and
 * CSP frame-ancestors), no scripts at all, styles from this origin only, no caching.
 */
export function sendPage(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('X-Frame-Options', 'DENY')
    .header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .header('Referrer-Policy', 'no-referrer')
    .send(html);
}

/** Redirect after a POST: 303, so the browser follows with GET (RFC 9700 §4.12). */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.status(303).header('Location', location).header('Cache-Control', 'no-store').send();
}

/** Redirect after a GET. */
export function found(reply: FastifyReply, location: string): FastifyReply {
  return reply.status(302).header('Location', location).header('Cache-Control', 'no-store').send();
}
