import { createLocalJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { JsonWebKeySetDocument } from './resource-server.options.js';

/**
 * Keys from an in-process source, for the authorization server guarding its own routes. The
 * source caches for itself, so an unknown `kid` asks it again at once; the set is rebuilt
 * only when the source hands back another document, which keeps jose's imported keys.
 */
export function createInProcessKeySet(
  source: () => Promise<JsonWebKeySetDocument> | JsonWebKeySetDocument,
): JWTVerifyGetKey {
  let document: JsonWebKeySetDocument | undefined;
  let keys: JWTVerifyGetKey | undefined;
  return async (header, token) => {
    if (keys) {
      try {
        return await keys(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      }
    }
    const latest = await source();
    if (latest !== document || !keys) {
      keys = createLocalJWKSet(latest);
      document = latest;
    }
    return keys(header, token);
  };
}
