import { Injectable } from '@nestjs/common';
import { OAuthError } from '../common/oauth-error.js';
import { digestsEqual, sha256 } from '../common/secrets.js';
import type { Client, TokenEndpointAuthMethod } from './client.entity.js';
import { ClientsService } from './clients.service.js';

export interface ClientCredentialsInput {
  authorization?: string;
  /** Single-valued body parameters of the request. */
  clientId?: string;
  clientSecret?: string;
}

interface Presented {
  method: TokenEndpointAuthMethod;
  clientId: string;
  secret?: string;
}

/** A digest to compare against when the client is unknown, so that case takes as long. */
const NO_CLIENT_DIGEST = sha256('portcullis:no-such-client');

/** application/x-www-form-urlencoded decoding, as RFC 6749 §2.3.1 asks of Basic credentials. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw OAuthError.invalidClient('malformed client credentials');
  }
}

/**
 * Authenticates the client of a token-endpoint request (RFC 6749 §2.3): HTTP Basic,
 * body parameters, or — for public clients — client_id alone. A client may only use the
 * method it registered, and one method per request.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(private readonly clients: ClientsService) {}

  async authenticate(input: ClientCredentialsInput): Promise<Client> {
    const presented = this.presented(input);
    if (presented.clientId.length > 256) throw OAuthError.invalidClient();
    const client = await this.clients.findForAuthentication(presented.clientId);

    const expected = client?.secretDigest ?? NO_CLIENT_DIGEST;
    const secretMatches =
      presented.secret !== undefined && digestsEqual(sha256(presented.secret), expected);
    if (!client || client.disabled || client.tokenEndpointAuthMethod !== presented.method) {
      throw OAuthError.invalidClient();
    }
    if (presented.method !== 'none' && !secretMatches) throw OAuthError.invalidClient();
    return client;
  }

  private presented({ authorization, clientId, clientSecret }: ClientCredentialsInput): Presented {
    if (authorization !== undefined && /^basic\s/i.test(authorization)) {
      if (clientSecret !== undefined) {
        throw OAuthError.invalidRequest(
          'use one client authentication method, not Basic and client_secret',
        );
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
    return { method: 'none', clientId };
  }
}
