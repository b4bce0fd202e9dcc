const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Schemes a redirect URI must never use: they run code or read files in the browser. */
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'vbscript:',
  'file:',
  'blob:',
  'about:',
]);

/**
 * Checks one redirect URI against RFC 6749 §3.1.2, RFC 8252 and RFC 9700 §2.1: absolute,
 * no fragment; https, except http on a loopback host; a private-use scheme (reverse domain
 * name, RFC 8252 §7.1) for native apps. Returns the problem, or undefined when it is fine.
 */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > 2000) return 'is longer than 2000 characters';
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\s\x00-\x1f\x7f]/.test(uri)) return 'must not contain whitespace or control characters';
  if (uri.includes('#')) return 'must not contain a fragment';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (url.protocol === 'https:') {
    return url.username || url.password ? 'must not contain user information' : undefined;
  }
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(url.hostname)) {
      return 'must use https (http is allowed only for localhost, 127.0.0.1 and [::1])';
    }
    return url.username || url.password ? 'must not contain user information' : undefined;
  }
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `must not use the ${url.protocol} scheme`;
  // RFC 8252 §7.1: a private-use scheme, reversed domain name such as com.example.app.
  if (!/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/i.test(url.protocol)) {
    return 'must use https, loopback http, or a private-use scheme such as com.example.app:/callback';
  }
  return undefined;
}
