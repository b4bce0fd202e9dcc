import type { Client } from '../../clients/client.entity.js';
import type { ClientTargets } from '../../tokens/client-targets.js';
import type { CodeChallenge } from '../../tokens/pkce.js';
import type { ResponseTypeHandler } from '../response-types/response-type-handler.js';

/** What the checks read from a request, once all of them have passed. */
export interface CheckedRequest {
  responseType: ResponseTypeHandler;
  state?: string;
  nonce?: string;
  /** The APIs the request is for (RFC 8707), the issuer standing for Portcullis's own. */
  resources: string[];
  /** The scope as items (ClientTargets): an API's scopes are qualified by its identifier. */
  scopes: string[];
  /** Absent: the code is bound to no challenge, or the response type issues no code. */
  pkce?: CodeChallenge;
  /** RFC 9449 §10: the thumbprint of the key that must redeem the code. */
  dpopJkt?: string;
}

export type ResponseTypeLookup = (responseType: string) => ResponseTypeHandler | undefined;

/** What a check is given: the request, its trusted client, and what earlier checks read. */
export interface CheckInput {
  /** The query parameters as parsed: a repeated one is an array. */
  readonly query: Readonly<Record<string, unknown>>;
  readonly client: Client;
  /** The client's audiences and per-API scopes, over the registered APIs of the moment. */
  readonly targets: ClientTargets;
  readonly checked: Readonly<Partial<CheckedRequest>>;
  readonly responseTypes: ResponseTypeLookup;
}

/**
 * One rule of the authorize endpoint, run once the client and redirect URI are trusted: it
 * answers what it read, or throws an OAuthError for the client to receive.
 */
export type AuthorizeCheck = (input: CheckInput) => Partial<CheckedRequest>;
