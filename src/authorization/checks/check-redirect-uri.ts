import type { Client } from '../../clients/client.entity.js';
import { AuthorizationPageError } from '../authorization-errors.js';
import { matchesRegistered } from '../redirect-uri-match.js';

export interface CheckedRedirectUri {
  /** Where the answer, and any later error, goes. */
  redirectUri: string;
  /** Whether the request named it, so the token request must repeat it (RFC 6749 §4.1.3). */
  redirectUriGiven: boolean;
}

/**
 * The redirect URI: one the client registered, or its only one when the request names none.
 * Refused as a page: an error sent to an unregistered URI would go to whoever wrote it.
 */
export function checkRedirectUri(
  query: Readonly<Record<string, unknown>>,
  client: Pick<Client, 'redirectUris'>,
): CheckedRedirectUri {
  const given = query.redirect_uri;
  if (given !== undefined && typeof given !== 'string') {
    throw new AuthorizationPageError('Invalid redirect', 'redirect_uri was sent more than once.');
  }
  if (given === undefined || given === '') {
    if (client.redirectUris.length !== 1) {
      throw new AuthorizationPageError(
        'Invalid redirect',
        'The request must name one of the application’s redirect URIs.',
      );
    }
    return { redirectUri: client.redirectUris[0], redirectUriGiven: false };
  }
  if (!matchesRegistered(given, client.redirectUris)) {
    throw new AuthorizationPageError(
      'Invalid redirect',
      'The redirect URI in the request is not one the application registered, so you are not sent there.',
    );
  }
  return { redirectUri: given, redirectUriGiven: true };
}
