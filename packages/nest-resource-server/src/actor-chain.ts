import { BearerError } from './bearer-error.js';
import type { Actor } from './principal.js';

/** More nested actors than any issuer writes: a token with more is refused, not walked. */
export const MAX_ACTOR_DEPTH = 32;

/**
 * The actor chain of a token's `act` claim (RFC 8693 §4.1), undefined when it has none. An
 * `act` that is not nested objects each with a string `sub` is refused: a principal must never
 * look undelegated because its chain could not be read.
 */
export function actorOf(act: unknown): Actor | undefined {
  if (act === undefined) return undefined;
  const subs: string[] = [];
  for (let level: unknown = act; level !== undefined;) {
    if (typeof level !== 'object' || level === null || subs.length === MAX_ACTOR_DEPTH)
      throw malformed();
    const { sub, act: earlier } = level as { sub?: unknown; act?: unknown };
    if (typeof sub !== 'string') throw malformed();
    subs.push(sub);
    level = earlier;
  }
  return subs.reduceRight<Actor | undefined>(
    (actor, sub) => (actor ? { sub, actor } : { sub }),
    undefined,
  );
}

function malformed(): BearerError {
  return new BearerError('invalid_token', 'the access token has a malformed act claim', 401);
}
