import type { Client } from '../../clients/client.entity.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';

export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');

/**
 * One grant type of the token endpoint. The endpoint has already authenticated the client
 * and checked that it is registered for this grant.
 */
export interface GrantHandler<Grant = unknown> {
  /** The `grant_type` value this handler answers. */
  readonly grantType: string;
  /** Reads and checks the grant's parameters; throws OAuthError when they do not hold. */
  validate(request: TokenRequest, client: Client): Promise<Grant>;
  /**
   * Issues the tokens for a validated grant. `dpopJkt` is the thumbprint of the key of the
   * request's DPoP proof, already verified and spent (RFC 9449 §4.3): the access token is
   * bound to it.
   */
  issue(grant: Grant, client: Client, dpopJkt: string | undefined): Promise<TokenResponse>;
  /**
   * For grants that identify the client themselves (RFC 7523 §3.1): the client, when the
   * request carries no client credentials. `validate` must then authenticate it.
   */
  identifyClient?(request: TokenRequest): Promise<Client>;
}
