/** What the guard reads of a request, in both Fastify's and Express's shapes. */
export interface HttpRequestLike {
  method: string;
  /** Fastify: the path and query as received; Express: as its router last rewrote it. */
  url?: string;
  /** Express (and Fastify): the path and query as received. */
  originalUrl?: string;
  /** `http` or `https`; from X-Forwarded-Proto when the framework trusts the proxy. */
  protocol?: string;
  /** Host and port; from X-Forwarded-Host when the framework trusts the proxy. */
  host?: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Checks a configured public base URL at boot: absolute http(s), no query or fragment. Its
 * trailing slash is dropped, since the request's path starts with one.
 */
export function publicBaseUrlOf(value: string): string {
  if (!URL.canParse(value)) throw new Error(`dpop.publicBaseUrl must be an absolute URL: ${value}`);
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`dpop.publicBaseUrl must be an http(s) URL: ${value}`);
  if (url.search || url.hash || value.includes('#'))
    throw new Error(`dpop.publicBaseUrl must have no query or fragment: ${value}`);
  return `${url.origin}${url.pathname}`.replace(/\/$/, '');
}

/**
 * The URL the client sent the request to, as a DPoP proof's `htu` names it (RFC 9449 §4.3):
 * the configured public base URL, or else the request's protocol and host, then its path.
 * Undefined when the request does not say enough to tell.
 */
export function requestUrl(request: HttpRequestLike, publicBaseUrl?: string): string | undefined {
  const target = request.originalUrl ?? request.url;
  if (typeof target !== 'string' || !target.startsWith('/')) return undefined;
  const path = target.split('?')[0].split('#')[0];
  if (publicBaseUrl !== undefined) return `${publicBaseUrl}${path}`;
  const host = typeof request.host === 'string' ? request.host : request.headers.host;
  if (typeof host !== 'string' || host === '') return undefined;
  const protocol = request.protocol === 'https' ? 'https' : 'http';
  return `${protocol}://${host}${path}`;
}
