/** Who a verified access token speaks for. */
export interface Principal {
  /** The resource owner, or the client itself for client_credentials tokens. */
  sub: string;
  clientId: string;
  scopes: string[];
  username?: string;
  sessionName?: string;
  /** Every claim of the token, as verified. */
  claims: Record<string, unknown>;
}
