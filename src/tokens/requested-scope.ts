import { OAuthError } from '../common/oauth-error.js';
import { isSubset, parseScope } from '../common/scope.js';

/**
 * The scope a grant may issue: the requested one when it is within `allowed`, or all of
 * `allowed` when none was requested (RFC 6749 §3.3).
 */
export function grantedScope(requested: string | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined) return [...allowed];
  const scopes = parseScope(requested);
  if (!scopes) throw new OAuthError('invalid_scope', 'scope is malformed');
  const outside = scopes.filter((scope) => !allowed.includes(scope));
  if (!isSubset(scopes, allowed)) {
    throw new OAuthError(
      'invalid_scope',
      `scope not allowed for this client: ${outside.join(' ')}`,
    );
  }
  return scopes;
}
