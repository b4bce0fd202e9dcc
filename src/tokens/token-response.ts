/** A successful token response (RFC 6749 §5.1); `DPoP` for a bound token (RFC 9449 §5). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  [extension: string]: unknown;
}
