import { Injectable } from '@nestjs/common';
import { OAuthError } from '../common/oauth-error.js';
import { digestsEqual, sha256 } from '../common/secrets.js';
import {
  AssertionRejected,
  ClientAssertionVerifier,
  SECRET_ASSERTION_ALGORITHMS,
} from './client-assertion.verifier.js';
import { ClientAuthThrottle } from './client-auth-throttle.service.js';
import type { Client, TokenEndpointAuthMethod } from './client.entity.js';
import { ClientsService } from './clients.service.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface ClientCredentialsInput {
  /** The remote address, for the failure counters. */
  ip: string;
  authorization?: string;
  /** Single-valued body parameters of the request. */
  clientId?: string;
  clientSecret?: string;
  clientAssertionType?: string;
  clientAssertion?: string;
}

type Presented =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | {
      /** private_key_jwt or client_secret_jwt: which one, the verified header says. */
      method: 'assertion';
      clientId?: string;
      assertion: string;
    }
  | { method: 'none'; clientId: string };

/** A digest to compare against when the client is unknown, so that case takes as long. */
const NO_CLIENT_DIGEST = sha256('portcullis:no-such-client');

/** application/x-www-form-urlencoded decoding, as RFC 6749 §2.3.1 asks of Basic credentials. */
function formDecode(value: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw OAuthError.invalidClient('malformed client credentials');
  }
  // No client id or secret holds a NUL, and PostgreSQL cannot look one up.
  if (decoded.includes('\u0000')) throw OAuthError.invalidClient('malformed client credentials');
  return decoded;
}

/** Longer client_ids are refused unread, and not counted under their own name. */
const MAX_CLIENT_ID_LENGTH = 256;

/**
 * Authenticates the client of a token, revocation or introspection request (RFC 6749 §2.3):
 * HTTP Basic, body parameters, a signed assertion (private_key_jwt, or client_secret_jwt with
 * an HMAC keyed by the secret: RFC 7523 §2.2, OIDC Core §9), or — for public clients —
 * client_id alone. A client may only use the method it registered,
 * and one method per request. Failures are counted, and refused outright while their
 * client_id and address are locked (ClientAuthThrottle).
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly clients: ClientsService,
    private readonly assertions: ClientAssertionVerifier,
    private readonly throttle: ClientAuthThrottle,
  ) {}

  /** Whether the request carries any client identification at all. */
  hasCredentials(input: ClientCredentialsInput): boolean {
    return Boolean(
      (input.authorization && /^basic\s/i.test(input.authorization)) ||
      input.clientId ||
      input.clientSecret ||
      input.clientAssertion ||
      input.clientAssertionType,
    );
  }

  async authenticate(input: ClientCredentialsInput): Promise<Client> {
    let clientId: string | undefined;
    try {
      const presented = this.presented(input);
      // An assertion's failure counts against its client_id parameter when it has one (as
      // oauth4webapi and most libraries send), and against the address always.
      if (presented.clientId !== undefined && presented.clientId.length <= MAX_CLIENT_ID_LENGTH)
        clientId = presented.clientId;
      await this.throttle.assertNotLocked(input.ip, clientId);
      return await this.verify(presented);
    } catch (error) {
      if (error instanceof OAuthError && error.error === 'invalid_client')
        await this.throttle.recordFailure(input.ip, clientId);
      throw error;
    }
  }

  private async verify(presented: Presented): Promise<Client> {
    if (presented.method === 'assertion')
      return this.byAssertion(presented.assertion, presented.clientId);
    if (presented.clientId.length > MAX_CLIENT_ID_LENGTH) throw OAuthError.invalidClient();
    const client = await this.clients.findForAuthentication(presented.clientId);

    const expected = client?.secretDigest ?? NO_CLIENT_DIGEST;
    const secretMatches =
      presented.method !== 'none' && digestsEqual(sha256(presented.secret), expected);
    if (!client || client.disabled || client.tokenEndpointAuthMethod !== presented.method) {
      throw OAuthError.invalidClient();
    }
    if (presented.method !== 'none' && !secretMatches) throw OAuthError.invalidClient();
    return client;
  }

  private async byAssertion(assertion: string, clientId?: string): Promise<Client> {
    try {
      const { client, claims, alg } = await this.assertions.verify(
        assertion,
        this.assertions.audiences(),
        'client-authentication',
      );
      // RFC 7523 §3: for client authentication, sub is the client too.
      if (claims.sub !== client.clientId) throw new AssertionRejected('sub must be the client_id');
      if (clientId !== undefined && clientId !== client.clientId)
        throw new AssertionRejected('client_id mismatch');
      const method: TokenEndpointAuthMethod = SECRET_ASSERTION_ALGORITHMS.includes(alg)
        ? 'client_secret_jwt'
        : 'private_key_jwt';
      if (client.tokenEndpointAuthMethod !== method) {
        throw new AssertionRejected(`client not registered for ${method}`);
      }
      return client;
    } catch (error) {
      // Most reasons stay unsaid, as for a wrong secret; those that tell how to fix a
      // well-meant request (a missing kid) are given.
      if (error instanceof AssertionRejected)
        throw OAuthError.invalidClient(error.explained ? error.message : undefined);
      throw error;
    }
  }

  private presented(input: ClientCredentialsInput): Presented {
    const { authorization, clientId, clientSecret, clientAssertionType, clientAssertion } = input;
    const basic = authorization !== undefined && /^basic\s/i.test(authorization);
    if (clientAssertion !== undefined || clientAssertionType !== undefined) {
      if (basic || clientSecret !== undefined) {
        throw OAuthError.invalidRequest('use one client authentication method per request');
      }
      if (clientAssertionType !== CLIENT_ASSERTION_TYPE || !clientAssertion) {
        throw OAuthError.invalidClient(
          `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}, with a client_assertion`,
        );
      }
      return { method: 'assertion', clientId, assertion: clientAssertion };
    }
    if (basic) {
      if (clientSecret !== undefined) {
        throw OAuthError.invalidRequest('use one client authentication method per request');
      }
      const encoded = authorization.slice(6).trim();
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded))
        throw OAuthError.invalidClient('malformed Basic credentials');
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 1) throw OAuthError.invalidClient('malformed Basic credentials');
      const id = formDecode(decoded.slice(0, colon));
      if (clientId !== undefined && clientId !== id) {
        throw OAuthError.invalidRequest('client_id does not match the Basic credentials');
      }
      return {
        method: 'client_secret_basic',
        clientId: id,
        secret: formDecode(decoded.slice(colon + 1)),
      };
    }
    if (clientId === undefined || clientId === '') {
      throw OAuthError.invalidClient('client authentication is required');
    }
    if (clientSecret !== undefined)
      return { method: 'client_secret_post', clientId, secret: clientSecret };
    return { method: 'none', clientId } satisfies {
      method: TokenEndpointAuthMethod;
      clientId: string;
    };
  }
}
