import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { matchesRegistered } from '../redirect-uri-match.js';

export interface CheckedRedirectUri {
  /** Where the answer, and any later error, goes. */
  redirectUri: string;
  /** Whether the request named it, so the token request must repeat it (RFC 6749 §4.1.3). */
  redirectUriGiven: boolean;
}

const untrusted = (message: string, error = 'invalid_request') =>
  new OAuthError(error, message, { title: 'Invalid redirect' });

/**
 * The redirect URI: one the client registered, or its only one when the request names none.
 * Refused as a page: an error sent to an unregistered URI would go to whoever wrote it.
 * `unregistered` is the error code for a URI the client did not register: the pushed
 * authorization request endpoint answers it as invalid_redirect_uri.
 */
export function checkRedirectUri(
  query: Readonly<Record<string, unknown>>,
  client: Pick<Client, 'redirectUris'>,
  unregistered: 'invalid_request' | 'invalid_redirect_uri' = 'invalid_request',
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
    // The pushed request's refusal is read by a client's developer, not a person in a browser.
    throw untrusted(
      unregistered === 'invalid_redirect_uri'
        ? 'redirect_uri is not one of the redirect URIs the client registered'
        : 'The redirect URI in the request is not one the application registered, so you are not sent there.',
      unregistered,
    );
  }
  return { redirectUri: given, redirectUriGiven: true };
}
