import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'portcullis_session';
export const CSRF_COOKIE = 'portcullis_csrf';

/** The value of a signed cookie, if present and its signature holds. */
export function readSignedCookie(request: FastifyRequest, name: string): string | undefined {
  const raw = request.cookies?.[name];
  if (!raw) return undefined;
  const { valid, value } = request.unsignCookie(raw);
  return valid && value ? value : undefined;
}

export function setSignedCookie(
  reply: FastifyReply,
  name: string,
  value: string,
  options: { secure: boolean; maxAge?: number },
): void {
  void reply.setCookie(name, value, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure,
    path: '/',
    maxAge: options.maxAge,
  });
}

export function clearCookie(reply: FastifyReply, name: string, secure: boolean): void {
  void reply.clearCookie(name, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}
