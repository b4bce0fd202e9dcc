/**
 * RFC 6749 §3.1: request parameters must not be repeated, whichever they are. Answers how to
 * name the first parameter the parser turned into a list (or anything but a string), or
 * undefined when every one came once. The name is the client's: it is echoed only when it
 * is a plain word.
 */
export function repeatedParameter(params: Record<string, unknown>): string | undefined {
  const repeated = Object.keys(params).find((name) => typeof params[name] !== 'string');
  if (repeated === undefined) return undefined;
  return /^[\w.-]{1,64}$/.test(repeated) ? repeated : 'each parameter';
}
