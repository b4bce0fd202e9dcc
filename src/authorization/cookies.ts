import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'portcullis_session';
export const CSRF_COOKIE = 'portcullis_csrf';

/**
 * The name a cookie goes by in the browser. Over https it carries the `__Host-` prefix,
 * which browsers accept only on a Secure, host-only cookie with Path=/, so that no other
 * host of the site (a sibling subdomain) can set or shadow it: cookie tossing. Plain http,
 * in development, cannot have the prefix.
 */
export function cookieName(name: string, secure: boolean): string {
  return secure ? `__Host-${name}` : name;
}

/** The value of a signed cookie, if present and its signature holds. */
export function readSignedCookie(
  request: FastifyRequest,
  name: string,
  secure: boolean,
): string | undefined {
  const raw = request.cookies?.[cookieName(name, secure)];
  if (!raw) return undefined;
  const { valid, value } = request.unsignCookie(raw);
  return valid && value ? value : undefined;
}

/**
 * The random value of the browser's CSRF cookie, if it has one and its signature holds: what
 * binds a form, or a pending authorization request, to the browser it was made for.
 */
export function readBrowserSecret(request: FastifyRequest, secure: boolean): string | undefined {
  return readSignedCookie(request, CSRF_COOKIE, secure);
}

export function setSignedCookie(
  reply: FastifyReply,
  name: string,
  value: string,
  options: { secure: boolean; maxAge?: number },
): void {
  void reply.setCookie(cookieName(name, options.secure), value, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure,
    path: '/',
    maxAge: options.maxAge,
  });
}

export function clearCookie(reply: FastifyReply, name: string, secure: boolean): void {
  void reply.clearCookie(cookieName(name, secure), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
  });
}
