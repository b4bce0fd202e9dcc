import { OAuthError } from '../common/oauth-error.js';

/**
 * The `act` claim of a delegated token (RFC 8693 §4.1): the party acting now, and, nested,
 * who acted before it. Only `sub` is kept at each level: nothing else is ever written.
 */
export interface ActClaim {
  sub: string;
  act?: ActClaim;
}

/** The most actors a chain may hold: each exchange adds one, and the token must stay small. */
export const MAX_ACTORS = 10;

/**
 * The `act` of a token this server signed, read back: undefined when it has none. Anything
 * else than nested `{ sub }` objects is not of ours and refused, as is a chain longer than
 * MAX_ACTORS.
 */
export function readActClaim(value: unknown): ActClaim | undefined {
  if (value === undefined) return undefined;
  const subs: string[] = [];
  let level: unknown = value;
  while (level !== undefined) {
    if (typeof level !== 'object' || level === null) throw malformed();
    const { sub, act } = level as { sub?: unknown; act?: unknown };
    if (typeof sub !== 'string' || subs.length === MAX_ACTORS) throw malformed();
    subs.push(sub);
    level = act;
  }
  return subs.reduceRight<ActClaim | undefined>(
    (previous, sub) => (previous ? { sub, act: previous } : { sub }),
    undefined,
  );
}

/** The `act` when `actor` acts on a token that already had `previous` (its chain kept whole). */
export function delegatedActClaim(actor: string, previous: ActClaim | undefined): ActClaim {
  if (previous && actorCount(previous) >= MAX_ACTORS) {
    throw new OAuthError(
      'invalid_grant',
      `the subject_token has been delegated ${MAX_ACTORS} times already`,
    );
  }
  return previous ? { sub: actor, act: previous } : { sub: actor };
}

function actorCount(act: ActClaim): number {
  let count = 0;
  for (let level: ActClaim | undefined = act; level; level = level.act) count += 1;
  return count;
}

function malformed(): OAuthError {
  return new OAuthError(
    'invalid_grant',
    'the subject_token has an act claim this server does not issue',
  );
}
