/**
 * What is wrong with a resource indicator (RFC 8707 §2: an absolute URI, no fragment), or
 * undefined when it is one. The same rule for registering an API and for requesting one.
 */
export function resourceIdentifierProblem(value: string): string | undefined {
  if (value.length > 2000) return 'must be at most 2000 characters';
  if (/\s/.test(value)) return 'must not contain whitespace';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URI';
  }
  if (value.includes('#') || url.hash) return 'must not contain a fragment';
  if (!/^[a-z][a-z0-9+.-]*:/i.test(value)) return 'must be an absolute URI';
  return undefined;
}
