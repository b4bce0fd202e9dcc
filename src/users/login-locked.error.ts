import { OAuthError } from '../common/oauth-error.js';

/**
 * The account or the address is locked after too many failed sign-ins (LoginThrottleService).
 * A 429 with Retry-After like any other at the token endpoint; its own type so the login page
 * can answer it with the form and its message, and every other 429 with the error page.
 */
export class LoginLockedError extends OAuthError {
  constructor(what: 'this account' | 'this address', seconds: number) {
    super(
      'too_many_requests',
      `too many failed sign-in attempts for ${what}; try again in ${seconds} seconds`,
      { headers: { 'Retry-After': String(seconds) } },
    );
  }
}
