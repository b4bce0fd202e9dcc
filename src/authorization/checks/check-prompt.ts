import { OAuthError } from '../../common/oauth-error.js';
import type { SignedInUser } from '../sessions.service.js';

/**
 * OpenID Connect Core §3.1.2.1. These need the browser's session, so they run after the
 * table, once the controller has read it.
 */

/** prompt=login: the user signs in again, whatever session the browser has. */
export function promptsLogin(prompt: string | undefined): boolean {
  return prompt === 'login';
}

/**
 * prompt=none: the request is answered without showing a page, or refused: login_required
 * without a session, consent_required without a remembered consent covering it.
 */
export async function checkPromptNone(
  prompt: string | undefined,
  user: SignedInUser | undefined,
  consented: (user: SignedInUser) => Promise<boolean>,
): Promise<void> {
  if (prompt !== 'none') return;
  if (!user) throw new OAuthError('login_required', 'the user is not signed in');
  if (!(await consented(user))) {
    throw new OAuthError('consent_required', 'the user has not consented to this request');
  }
}
