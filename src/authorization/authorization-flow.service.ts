import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { Client } from '../clients/client.entity.js';
import { Scope } from '../common/scope.js';
import { AppConfig } from '../config/app-config.js';
import type { AuthorizationRequest } from './authorization-request.entity.js';
import { AuthorizationRequestsService } from './authorization-requests.service.js';
import { ConsentsService } from './consents.service.js';
import { ResponseTypeRegistry } from './response-types/response-type-registry.js';
import type { SignedInUser } from './sessions.service.js';

export interface Pending {
  request: AuthorizationRequest;
  client: Client;
}

/** Where an answer goes: the redirect URI, in the place its response type puts answers. */
export interface AnswerTarget {
  redirectUri: string;
  /** As the request gave it: an unregistered or missing one answers in the query. */
  responseType: string | undefined;
  state: string | null;
}

/**
 * Moves a stored authorization request along: to the login page, to the consent page, or
 * back to the client with what its response type answers. Every answer to the client
 * carries `state` and `iss` (RFC 9207).
 */
@Injectable()
export class AuthorizationFlow {
  constructor(
    private readonly requests: AuthorizationRequestsService,
    private readonly responseTypes: ResponseTypeRegistry,
    private readonly consents: ConsentsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** Where the browser goes next. */
  async next(pending: Pending, user: SignedInUser | undefined, ip: string): Promise<string> {
    if (!user) return `/login?request=${encodeURIComponent(pending.request.id)}`;
    if (await this.consents.covers(user.userId, pending.client.clientId, this.scope(pending))) {
      return this.complete(pending, user, ip);
    }
    return `/consent?request=${encodeURIComponent(pending.request.id)}`;
  }

  /** The user allowed: remember it, and answer the client. */
  async allow(pending: Pending, user: SignedInUser, ip: string): Promise<string> {
    await this.consents.grant(user.userId, pending.client.clientId, this.scope(pending));
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
  errorLocation(target: AnswerTarget, error: string, description: string): string {
    return this.location(target, { error, error_description: description });
  }

  private async complete(pending: Pending, user: SignedInUser, ip: string): Promise<string> {
    const { request, client } = pending;
    const handler = this.responseTypes.get(request.responseType);
    // Stored only once validated, so only a response type unregistered since gets here.
    if (!handler) throw new Error(`response_type ${request.responseType} is not registered`);
    // Whoever finishes a request first wins; a second tab cannot mint a second code.
    if (!(await this.requests.finish(request.id))) {
      return this.errorLocation(
        request,
        'invalid_request',
        'this authorization request was already answered',
      );
    }
    const answer = await handler.answer({
      request,
      client,
      user,
      scopes: this.scope(pending).toArray(),
      ip,
    });
    return this.location(request, answer);
  }

  private scope({ request }: Pending): Scope {
    return Scope.stored(request.scope);
  }

  /** The redirect URI with the answer in its query or fragment, plus state and iss. */
  private location(target: AnswerTarget, params: Record<string, string>): string {
    const answer = new URLSearchParams(params);
    if (target.state !== null) answer.set('state', target.state);
    answer.set('iss', this.config.issuer);
    if (this.responseTypes.responseMode(target.responseType) === 'fragment')
      return `${target.redirectUri}#${answer.toString()}`;
    const url = new URL(target.redirectUri);
    for (const [name, value] of answer) url.searchParams.append(name, value);
    return url.toString();
  }
}
