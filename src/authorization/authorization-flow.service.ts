import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { Client } from '../clients/client.entity.js';
import { AppConfig } from '../config/app-config.js';
import { TokenMinter } from '../tokens/token-minter.service.js';
import { AuthorizationCodeStore } from '../tokens/authorization-code.store.js';
import type { AuthorizationRequest } from './authorization-request.entity.js';
import { AuthorizationRequestsService } from './authorization-requests.service.js';
import { ConsentsService } from './consents.service.js';
import type { SignedInUser } from './sessions.service.js';

export interface Pending {
  request: AuthorizationRequest;
  client: Client;
}

/**
 * Moves a stored authorization request along: to the login page, to the consent page, or
 * back to the client with a code (or, for implicit clients, tokens in the fragment). Every
 * answer to the client carries `state` and `iss` (RFC 9207).
 */
@Injectable()
export class AuthorizationFlow {
  constructor(
    private readonly requests: AuthorizationRequestsService,
    private readonly codes: AuthorizationCodeStore,
    private readonly consents: ConsentsService,
    private readonly minter: TokenMinter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** Where the browser goes next. */
  async next(pending: Pending, user: SignedInUser | undefined, ip: string): Promise<string> {
    if (!user) return `/login?request=${encodeURIComponent(pending.request.id)}`;
    if (await this.consents.covers(user.userId, pending.client.clientId, this.scopes(pending))) {
      return this.complete(pending, user, ip);
    }
    return `/consent?request=${encodeURIComponent(pending.request.id)}`;
  }

  /** The user allowed: remember it, and answer the client. */
  async allow(pending: Pending, user: SignedInUser, ip: string): Promise<string> {
    await this.consents.grant(user.userId, pending.client.clientId, this.scopes(pending));
    await this.audit.record({
      type: 'consent.granted',
      clientId: pending.client.clientId,
      userId: user.userId,
      ip,
      details: { scope: pending.request.scope },
    });
    return this.complete(pending, user, ip);
  }

  /** The user denied: `access_denied` to the client. */
  async deny(pending: Pending): Promise<string> {
    await this.requests.finish(pending.request.id);
    return this.errorLocation(pending.request, 'access_denied', 'the user denied the request');
  }

  /** The URL that carries an error back to the client. */
  errorLocation(
    target: Pick<AuthorizationRequest, 'redirectUri' | 'responseType' | 'state'>,
    error: string,
    description: string,
  ): string {
    return this.location(target, { error, error_description: description });
  }

  private async complete(pending: Pending, user: SignedInUser, ip: string): Promise<string> {
    const { request, client } = pending;
    // Whoever finishes a request first wins; a second tab cannot mint a second code.
    if (!(await this.requests.finish(request.id))) {
      return this.errorLocation(
        request,
        'invalid_request',
        'this authorization request was already answered',
      );
    }
    if (request.responseType === 'token') {
      const { response } = await this.minter.mint({
        grantType: 'implicit',
        client,
        user: { id: user.userId, username: user.username },
        scopes: this.scopes(pending),
        ip,
      });
      return this.location(request, {
        access_token: response.access_token,
        token_type: response.token_type,
        expires_in: String(response.expires_in),
        scope: response.scope ?? '',
      });
    }
    const code = await this.codes.issue({
      clientId: client.clientId,
      userId: user.userId,
      redirectUri: request.redirectUri,
      redirectUriGiven: request.redirectUriGiven,
      scopes: this.scopes(pending),
      nonce: request.nonce,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      authTime: user.authTime,
    });
    return this.location(request, { code });
  }

  private scopes({ request }: Pending): string[] {
    return request.scope ? request.scope.split(' ') : [];
  }

  /** The redirect URI with the answer in its query (code) or fragment (token), plus state and iss. */
  private location(
    target: Pick<AuthorizationRequest, 'redirectUri' | 'responseType' | 'state'>,
    params: Record<string, string>,
  ): string {
    const answer = new URLSearchParams(params);
    if (target.state !== null) answer.set('state', target.state);
    answer.set('iss', this.config.issuer);
    if (target.responseType === 'token') return `${target.redirectUri}#${answer.toString()}`;
    const url = new URL(target.redirectUri);
    for (const [name, value] of answer) url.searchParams.append(name, value);
    return url.toString();
  }
}
