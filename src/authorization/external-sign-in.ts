/**
 * A way to sign in with an account at another platform: an external identity provider that
 * `ExternalSignInController` sends the browser to (OAuth 2.0 code flow with `state` and PKCE
 * S256) and that answers which local user came back. A module that provides one registers it
 * with `ExternalSignInRegistry`; the flow itself (state, cookie, session, audit, pending
 * request) stays here.
 */
export interface ExternalSignIn {
  /** Its path segment in `/login/<provider>/<connection>`, and its name in the audit trail. */
  readonly provider: string;
  /** Its name as a person knows it, on the login page and the sign-in's error pages. */
  readonly displayName: string;
  /** The connections the login page offers, by name: those enabled. */
  enabledConnections(): Promise<string[]>;
  /**
   * Where to send the browser to sign in through `connection`. Throws a not-found
   * `OAuthError` for a connection that does not exist or is disabled.
   */
  authorizeUrl(connection: string, request: ExternalAuthorizeRequest): Promise<string>;
  /**
   * Redeems the code, reads who signed in, links or resolves that identity to a local user
   * and keeps what the provider keeps of the sign-in (its tokens).
   */
  complete(connection: string, grant: ExternalCodeGrant): Promise<ExternalSignInOutcome>;
}

/** What the provider's authorize page is sent: `codeChallenge` is always S256. */
export interface ExternalAuthorizeRequest {
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

/** The code the provider sent back, with what redeems it. */
export interface ExternalCodeGrant {
  code: string;
  redirectUri: string;
  codeVerifier: string;
}

/** The local user signed in, or why the provider's identity may not sign in here. */
export type ExternalSignInOutcome =
  | { outcome: 'signed_in'; userId: string; username: string; created: boolean }
  | { outcome: 'not_linked'; reason: string };
