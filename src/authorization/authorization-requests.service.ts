import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { Client } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import { Scope } from '../common/scope.js';
import { digestsEqual, randomToken, sha256 } from '../common/secrets.js';
import { TokenAudience } from '../tokens/token-audience.js';
import { AuthorizationRequest } from './authorization-request.entity.js';
import { checkClient, checkRedirectUri, runAuthorizeChecks } from './checks/index.js';
import { ResponseTypeRegistry } from './response-types/response-type-registry.js';

/** How long a user has to sign in and consent. */
const REQUEST_TTL_SECONDS = 600;

export interface ParsedAuthorization {
  client: Client;
  /** Where errors go once client and redirect URI are known. */
  redirectUri: string;
  redirectUriGiven: boolean;
  responseType?: string;
  state?: string;
  prompt?: string;
}

/** A query parameter as sent once; anything else is left to the checks to refuse. */
const raw = (query: Record<string, unknown>, name: string) =>
  typeof query[name] === 'string' ? query[name] : undefined;

/**
 * Validates an authorization request (RFC 6749 §4.1.1, RFC 7636, RFC 9700) by running the
 * checks of checks/ in order. Until the client and redirect URI are established, errors are
 * shown as a page; after, they go to the redirect URI. A valid request is stored for the
 * login and consent steps.
 */
@Injectable()
export class AuthorizationRequestsService {
  constructor(
    private readonly clients: ClientsService,
    private readonly responseTypes: ResponseTypeRegistry,
    private readonly audience: TokenAudience,
    @InjectRepository(AuthorizationRequest)
    private readonly requests: Repository<AuthorizationRequest>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Client and redirect URI; throws AuthorizationPageError when either cannot be trusted. */
  async identify(query: Record<string, unknown>): Promise<ParsedAuthorization> {
    const client = await checkClient(query, (clientId) =>
      this.clients.findForAuthentication(clientId),
    );
    return {
      client,
      ...checkRedirectUri(query, client),
      state: raw(query, 'state'),
      responseType: raw(query, 'response_type'),
      prompt: raw(query, 'prompt'),
    };
  }

  /**
   * Checks the rest of the request and answers it as a row to store, not yet stored (a
   * request refused later, such as prompt=none without a session, leaves nothing behind).
   * Throws AuthorizationRedirectError.
   */
  async validate(
    parsed: ParsedAuthorization,
    query: Record<string, unknown>,
  ): Promise<AuthorizationRequest> {
    const { client } = parsed;
    const checked = runAuthorizeChecks({
      query,
      client,
      targets: await this.audience.for(client),
      responseTypes: (responseType) => this.responseTypes.get(responseType),
    });
    return this.requests.create({
      id: randomToken(24),
      clientId: client.clientId,
      responseType: checked.responseType.responseType,
      redirectUri: parsed.redirectUri,
      redirectUriGiven: parsed.redirectUriGiven,
      scope: Scope.of(checked.scopes).toString(),
      resources: checked.resources,
      state: checked.state ?? null,
      nonce: checked.nonce ?? null,
      codeChallenge: checked.pkce?.codeChallenge ?? null,
      codeChallengeMethod: checked.pkce?.codeChallengeMethod ?? null,
      dpopJkt: checked.dpopJkt ?? null,
    });
  }

  /**
   * Stores a validated request for the login and consent steps, bound to the browser whose
   * CSRF cookie holds `browserSecret`: only that browser may go on with it.
   */
  async store(request: AuthorizationRequest, browserSecret: string): Promise<void> {
    request.browserDigest = sha256(browserSecret);
    await this.dataSource.query(
      `INSERT INTO authorization_requests (id, client_id, response_type, redirect_uri, redirect_uri_given,
         scope, state, nonce, code_challenge, code_challenge_method, expires_at, browser_digest, resources,
         dpop_jkt)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11), $12, $13, $14)`,
      [
        request.id,
        request.clientId,
        request.responseType,
        request.redirectUri,
        request.redirectUriGiven,
        request.scope,
        request.state,
        request.nonce,
        request.codeChallenge,
        request.codeChallengeMethod,
        REQUEST_TTL_SECONDS,
        request.browserDigest,
        request.resources,
        request.dpopJkt,
      ],
    );
  }

  /**
   * A pending request that has not expired, with its client, when `browserSecret` is the
   * CSRF cookie value of the browser that started it: a request id passed to another browser
   * is worthless.
   */
  async find(
    id: unknown,
    browserSecret: string | undefined,
  ): Promise<{ request: AuthorizationRequest; client: Client } | undefined> {
    if (typeof id !== 'string' || id.length > 64) return undefined;
    const request = await this.requests
      .createQueryBuilder('r')
      .where('r.id = :id AND r.expires_at > now()', { id })
      .getOne();
    if (!request) return undefined;
    if (request.browserDigest) {
      if (!browserSecret || !digestsEqual(sha256(browserSecret), request.browserDigest))
        return undefined;
    }
    const client = await this.clients.findActive(request.clientId);
    if (!client) return undefined;
    return { request, client };
  }

  /** Removes a finished request; false if another tab finished it first. */
  async finish(id: string): Promise<boolean> {
    const result = await this.requests.delete({ id });
    return Boolean(result.affected);
  }
}
