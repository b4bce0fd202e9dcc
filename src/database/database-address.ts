/** Everything between the scheme and the last `@` of the authority: the user and password. */
const CREDENTIALS = /^(postgres(?:ql)?:\/\/)[^/?#]*@/;

/**
 * Where a postgres:// URL points, safe to print: host, port and database only. The user, the
 * password and the rest of the query (which may carry `password=` or key files) are left out,
 * the credentials before anything is parsed.
 */
export function databaseAddress(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.replace(CREDENTIALS, '$1'));
  } catch {
    return '(DATABASE_URL, not shown: it does not parse as a URL)';
  }
  // libpq's defaults; `host` in the query names a socket directory or a host.
  const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
  const port = parsed.port || parsed.searchParams.get('port') || '5432';
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return `${host}:${port}/${name}`;
}
