/**
 * A party acting for the subject of a delegated token (RFC 8693 §4.1, the `act` claim): its
 * `sub` (for Portcullis, the client_id of the service that exchanged the token) and, when that
 * token had been delegated before, the actor before it.
 */
export interface Actor {
  sub: string;
  actor?: Actor;
}

/** Who a verified access token speaks for. */
export interface Principal {
  /** The resource owner, or the client itself for client_credentials tokens. */
  sub: string;
  clientId: string;
  scopes: string[];
  username?: string;
  sessionName?: string;
  /**
   * Who acts for `sub`, when the token was obtained by token exchange (delegation): the
   * current actor first, the earlier ones nested. Undefined for a token used by the party it
   * was issued to.
   */
  actor?: Actor;
  /**
   * For a DPoP-bound token (RFC 9449 §6.1, `cnf.jkt`): the RFC 7638 thumbprint of the key it
   * is bound to. The guard accepts such a token only with a proof signed by that key.
   */
  jkt?: string;
  /** Every claim of the token, as verified. */
  claims: Record<string, unknown>;
}
