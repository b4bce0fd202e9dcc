import { OAuthError } from '../../common/oauth-error.js';

/** One query parameter, empty counting as absent, refusing repeats (RFC 6749 §3.1). */
export function singleParameter(
  query: Readonly<Record<string, unknown>>,
  name: string,
): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw new OAuthError('invalid_request', `${name} must be sent once`);
  return value;
}
