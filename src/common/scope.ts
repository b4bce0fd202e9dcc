/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export const MAX_SCOPES = 100;

/**
 * Splits a space-delimited scope string into its distinct tokens, in order. Returns
 * undefined when the string is not a well-formed scope.
 */
export function parseScope(value: string): string[] | undefined {
  if (value === '') return [];
  const tokens = value.split(' ');
  if (tokens.length > MAX_SCOPES || tokens.some((token) => !SCOPE_TOKEN.test(token)))
    return undefined;
  return [...new Set(tokens)];
}

export function isSubset(requested: readonly string[], allowed: readonly string[]): boolean {
  return requested.every((scope) => allowed.includes(scope));
}
