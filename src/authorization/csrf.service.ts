import type {} from '@fastify/cookie';
import { ForbiddenException, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../common/secrets.js';
import { AppConfig } from '../config/app-config.js';
import { CookieSecret } from './cookie-secret.js';
import { cookieName, CSRF_COOKIE, readBrowserSecret, setSignedCookie } from './cookies.js';

/** A form that was not sent from this site, or has expired (rendered as a 403 page). */
export class CsrfError extends ForbiddenException {
  constructor() {
    super(
      'This form was not sent from this site or has expired. Go back, reload the page and try again.',
    );
  }
}

/**
 * Signed double-submit CSRF protection: a random value in a signed, HttpOnly cookie, and in
 * every form an HMAC of it that only this server can compute. A cross-site form can send the
 * cookie but cannot know the HMAC. A form the browser says came from another site is refused
 * even with a valid token.
 */
@Injectable()
export class CsrfService {
  constructor(
    private readonly secret: CookieSecret,
    private readonly config: AppConfig,
  ) {}

  /** The token to put in a form, setting the CSRF cookie first if the browser has none. */
  token(request: FastifyRequest, reply: FastifyReply): string {
    return this.mac(this.browserSecret(request, reply));
  }

  /**
   * The random value of this browser's CSRF cookie, set first if it has none: what binds a
   * form, or a pending authorization request, to the browser it was made for.
   */
  browserSecret(request: FastifyRequest, reply: FastifyReply): string {
    let value = this.presentedSecret(request);
    if (!value) {
      value = randomToken(32);
      setSignedCookie(reply, CSRF_COOKIE, value, { secure: this.config.secureCookies });
      // Later forms in the same response cycle must see the same value.
      request.cookies[cookieName(CSRF_COOKIE, this.config.secureCookies)] = reply.signCookie(value);
    }
    return value;
  }

  /** The random value of this browser's CSRF cookie, if it sent one; never sets it. */
  presentedSecret(request: FastifyRequest): string | undefined {
    return readBrowserSecret(request, this.config.secureCookies);
  }

  verify(request: FastifyRequest, submitted: unknown): void {
    if (!this.sentFromThisSite(request)) throw new CsrfError();
    const value = this.presentedSecret(request);
    if (!value || typeof submitted !== 'string') throw new CsrfError();
    const expected = Buffer.from(this.mac(value));
    const given = Buffer.from(submitted);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      throw new CsrfError();
  }

  /**
   * What the browser says about where the form came from, a second line behind the token:
   * Sec-Fetch-Site when sent, and Origin unless opaque ("null" is what a same-origin form
   * sends under these pages' Referrer-Policy: no-referrer).
   */
  private sentFromThisSite(request: FastifyRequest): boolean {
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    const origin = request.headers.origin;
    if (origin === undefined || origin === 'null') return true;
    if (origin === new URL(this.config.issuer).origin) return true;
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }

  private mac(value: string): string {
    return createHmac('sha256', this.secret.value).update(`csrf:${value}`).digest('base64url');
  }
}
