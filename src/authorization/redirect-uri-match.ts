const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Whether `requested` is one of the registered redirect URIs: exact string comparison, except
 * that a loopback http URI may use any port (RFC 8252 §7.3, native apps on ephemeral ports).
 */
export function matchesRegistered(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname) || !url.port) return false;
  return registered.some((candidate) => {
    try {
      const reg = new URL(candidate);
      if (reg.protocol !== 'http:' || reg.hostname !== url.hostname) return false;
      // Same URI once the port is set aside, byte for byte apart from the authority.
      const withoutPort = (u: string, port: string) =>
        u.replace(`${url.hostname}:${port}`, url.hostname);
      return (
        withoutPort(requested, url.port) ===
        (reg.port ? withoutPort(candidate, reg.port) : candidate)
      );
    } catch {
      return false;
    }
  });
}
