/**
 * Parameters a request may repeat: `resource` (RFC 8707 §2) and `audience` (RFC 8693 §2.1)
 * name one target each.
 */
export const REPEATABLE_PARAMETERS: ReadonlySet<string> = new Set(['resource', 'audience']);

/**
 * RFC 6749 §3.1: request parameters must not be repeated, whichever they are, except those
 * of REPEATABLE_PARAMETERS. Answers how to name the first parameter the parser turned into a
 * list (or anything but a string), or undefined when every one came once. The name is the
 * client's: it is echoed only when it is a plain word.
 */
export function repeatedParameter(params: Record<string, unknown>): string | undefined {
  const repeated = Object.keys(params).find((name) => {
    const value = params[name];
    if (typeof value === 'string') return false;
    return !(
      REPEATABLE_PARAMETERS.has(name) &&
      Array.isArray(value) &&
      value.every((item) => typeof item === 'string')
    );
  });
  if (repeated === undefined) return undefined;
  return /^[\w.-]{1,64}$/.test(repeated) ? repeated : 'each parameter';
}

/** Every value of a repeatable parameter, empty ones left out. */
export function allValues(params: Readonly<Record<string, unknown>>, name: string): string[] {
  const value = params[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((item): item is string => typeof item === 'string' && item !== '');
}
