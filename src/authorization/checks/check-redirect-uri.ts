import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { matchesRegistered } from '../redirect-uri-match.js';

export interface CheckedRedirectUri {
  /** Where the answer, and any later error, goes. */
  redirectUri: string;
  /** Whether the request named it, so the token request must repeat it (RFC 6749 §4.1.3). */
  redirectUriGiven: boolean;
}

const untrusted = (message: string) =>
  new OAuthError('invalid_request', message, { title: 'Invalid redirect' });

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
    throw untrusted('redirect_uri was sent more than once.');
  }
  if (given === undefined || given === '') {
    if (client.redirectUris.length !== 1) {
      throw untrusted('The request must name one of the application’s redirect URIs.');
    }
    return { redirectUri: client.redirectUris[0], redirectUriGiven: false };
  }
  if (!matchesRegistered(given, client.redirectUris)) {
    throw untrusted(
      'The redirect URI in the request is not one the application registered, so you are not sent there.',
    );
  }
  return { redirectUri: given, redirectUriGiven: true };
}
