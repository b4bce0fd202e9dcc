import type { Client } from '../../clients/client.entity.js';
import type { AuthorizationRequest } from '../authorization-request.entity.js';
import type { SignedInUser } from '../sessions.service.js';

export const RESPONSE_TYPE_HANDLERS = Symbol('RESPONSE_TYPE_HANDLERS');

/** Where the answer to the client goes (OAuth 2.0 Multiple Response Type Encoding, §2.1). */
export type ResponseMode = 'query' | 'fragment';

/** A request the user has consented to, ready to be answered. */
export interface ConsentedRequest {
  request: AuthorizationRequest;
  client: Client;
  user: SignedInUser;
  scopes: string[];
  ip: string;
}

/**
 * One response type of the authorize endpoint, as a grant handler is one grant of the token
 * endpoint: what it is called, who may use it, and how it answers.
 */
export interface ResponseTypeHandler {
  /** The `response_type` value this handler answers. */
  readonly responseType: string;
  /** The grant type a client must be registered for to use it. */
  readonly grantType: string;
  /** Where its answer, and any error once the redirect URI is trusted, goes. */
  readonly responseMode: ResponseMode;
  /** Whether it answers with a code to redeem, which PKCE binds (RFC 7636). */
  readonly issuesCode: boolean;
  /** The parameters of the answer, before `state` and `iss` are added. */
  answer(consented: ConsentedRequest): Promise<Record<string, string>>;
}
