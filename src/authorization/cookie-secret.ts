/** The secret that signs cookies and CSRF tokens (COOKIE_SECRET, or generated in development). */
export class CookieSecret {
  constructor(readonly value: string) {}
}
