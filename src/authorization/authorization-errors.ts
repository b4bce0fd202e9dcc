import { OAuthError } from '../common/oauth-error.js';

/** An error shown in the browser: the redirect URI cannot be trusted (RFC 6749 §4.1.2.1). */
export class AuthorizationPageError extends Error {
  constructor(
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/** An error sent back to the client's redirect URI. */
export class AuthorizationRedirectError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

/**
 * Runs a rule shared with the token endpoint, which refuses with an OAuthError; at the
 * authorize endpoint the same refusal goes back to the redirect URI.
 */
export function refusedToRedirect<T>(rule: () => T): T {
  try {
    return rule();
  } catch (error) {
    if (error instanceof OAuthError)
      throw new AuthorizationRedirectError(error.error, error.description);
    throw error;
  }
}
