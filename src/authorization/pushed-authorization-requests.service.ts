import { Injectable } from '@nestjs/common';
import type { Client } from '../clients/client.entity.js';
import { OAuthError } from '../common/oauth-error.js';
import { AppConfig } from '../config/app-config.js';
import type { AuthorizationRequest } from './authorization-request.entity.js';
import { AuthorizationRequestsService } from './authorization-requests.service.js';
import { issueRequestUri, requestUriDigest } from './request-uri.js';

/** RFC 9126 §2.2: the answer to a pushed authorization request. */
export interface PushedAuthorizationResponse {
  request_uri: string;
  expires_in: number;
}

/**
 * Pushed authorization requests (RFC 9126): a client sends its authorization request over
 * the back channel, where every rule of the authorize endpoint is checked and refusals are
 * JSON, and gets a short-lived, single-use request_uri to send the browser with. The request
 * is stored as any other (authorization_requests) and goes on the same way once taken.
 */
@Injectable()
export class PushedAuthorizationRequests {
  constructor(
    private readonly requests: AuthorizationRequestsService,
    private readonly config: AppConfig,
  ) {}

  /**
   * RFC 9126 §2.1: checks the request of the authenticated `client` as the authorize endpoint
   * would (a redirect URI it did not register is invalid_redirect_uri, §2.4), stores it, and
   * answers its reference.
   */
  async push(
    client: Client,
    params: Record<string, unknown>,
    proofKey?: string,
  ): Promise<PushedAuthorizationResponse> {
    if (params.request_uri !== undefined) {
      throw OAuthError.invalidRequest('request_uri must not be pushed (RFC 9126 §2.1)');
    }
    // A request object would carry parameters this server would not read: refused, not ignored.
    if (params.request !== undefined) {
      throw new OAuthError(
        'request_not_supported',
        'request objects (JAR) are not supported: push the parameters themselves',
      );
    }
    if (proofKey !== undefined) {
      // RFC 9449 §10.1: both name the key the code is bound to, and must name the same one.
      if (params.dpop_jkt !== undefined && params.dpop_jkt !== proofKey) {
        throw OAuthError.invalidRequest('dpop_jkt and the DPoP proof name different keys');
      }
      params = { ...params, dpop_jkt: proofKey };
    }
    const parsed = this.requests.parse(client, params, 'invalid_redirect_uri');
    const validated = await this.requests.validate(parsed, params);
    const { requestUri, digest } = issueRequestUri();
    const ttl = this.config.pushedRequestTtl;
    await this.requests.storePushed(validated, digest, ttl);
    return { request_uri: requestUri, expires_in: ttl };
  }

  /**
   * RFC 9126 §4: the pushed request `presented` names, taken once for `client`, which must be
   * the client that pushed it, and bound to this browser. Refused as a page (there is no
   * trusted redirect URI without the request): unknown, expired, already used, another
   * client's.
   */
  async take(
    client: Client,
    presented: unknown,
    browserSecret: string,
  ): Promise<AuthorizationRequest> {
    const digest = requestUriDigest(presented);
    const taken =
      digest && (await this.requests.takePushed(client.clientId, digest, browserSecret));
    if (!taken) {
      throw new OAuthError(
        'invalid_request_uri',
        'This sign-in request has expired or was already used. Go back to the application and start again.',
        { title: 'Expired request' },
      );
    }
    return taken;
  }
}
