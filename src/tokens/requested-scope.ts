import { OAuthError } from '../common/oauth-error.js';
import { Scope } from '../common/scope.js';

/**
 * The scope a grant may issue: the requested one when it is within `allowed`, or all of
 * `allowed` when none was requested (RFC 6749 §3.3).
 */
export function grantedScope(requested: string | undefined, allowed: Scope): Scope {
  if (requested === undefined) return allowed;
  const scope = Scope.parse(requested);
  if (!scope) throw new OAuthError('invalid_scope', 'scope is malformed');
  if (!scope.isWithin(allowed)) {
    throw new OAuthError(
      'invalid_scope',
      `scope not allowed for this client: ${scope.without(allowed).toString()}`,
    );
  }
  return scope;
}
