import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { DataSource, Repository } from 'typeorm';
import type { Client } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import { repeatedParameter } from '../common/repeated-parameter.js';
import { isSubset, parseScope } from '../common/scope.js';
import { AppConfig } from '../config/app-config.js';
import { digestsEqual, randomToken, sha256 } from '../common/secrets.js';
import { AuthorizationPageError, AuthorizationRedirectError } from './authorization-errors.js';
import { AuthorizationRequest } from './authorization-request.entity.js';
import { CSRF_COOKIE, readSignedCookie } from './cookies.js';
import { matchesRegistered } from './redirect-uri-match.js';

/** How long a user has to sign in and consent. */
const REQUEST_TTL_SECONDS = 600;
const PKCE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;

export interface ParsedAuthorization {
  client: Client;
  /** Where errors go once client and redirect URI are known. */
  redirectUri: string;
  responseType?: string;
  state?: string;
  prompt?: string;
}

/** One query parameter, refusing repeats (RFC 6749 §3.1). */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw new AuthorizationRedirectError('invalid_request', `${name} must be sent once`);
  return value;
}

/**
 * Validates an authorization request (RFC 6749 §4.1.1, RFC 7636, RFC 9700). Until the client
 * and redirect URI are established, errors are shown as a page; after, they go to the
 * redirect URI. A valid request is stored for the login and consent steps.
 */
@Injectable()
export class AuthorizationRequestsService {
  constructor(
    private readonly clients: ClientsService,
    @InjectRepository(AuthorizationRequest)
    private readonly requests: Repository<AuthorizationRequest>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Client and redirect URI; throws AuthorizationPageError when either cannot be trusted. */
  async identify(query: Record<string, unknown>): Promise<ParsedAuthorization> {
    const clientId = query.client_id;
    if (typeof clientId !== 'string' || clientId === '' || clientId.length > 256) {
      throw new AuthorizationPageError(
        'Unknown application',
        'The request does not name a registered application (client_id).',
      );
    }
    const client = await this.clients.findForAuthentication(clientId);
    if (!client || client.disabled) {
      throw new AuthorizationPageError(
        'Unknown application',
        'The application that sent you here is not registered or is disabled.',
      );
    }
    const given = query.redirect_uri;
    if (given !== undefined && typeof given !== 'string') {
      throw new AuthorizationPageError('Invalid redirect', 'redirect_uri was sent more than once.');
    }
    let redirectUri: string;
    if (given === undefined || given === '') {
      if (client.redirectUris.length !== 1) {
        throw new AuthorizationPageError(
          'Invalid redirect',
          'The request must name one of the application’s redirect URIs.',
        );
      }
      redirectUri = client.redirectUris[0]!;
    } else if (matchesRegistered(given, client.redirectUris)) {
      redirectUri = given;
    } else {
      throw new AuthorizationPageError(
        'Invalid redirect',
        'The redirect URI in the request is not one the application registered, so you are not sent there.',
      );
    }
    const state = typeof query.state === 'string' ? query.state : undefined;
    const responseType = typeof query.response_type === 'string' ? query.response_type : undefined;
    const prompt = typeof query.prompt === 'string' ? query.prompt : undefined;
    return { client, redirectUri, state, responseType, prompt };
  }

  /**
   * Checks the rest of the request and answers it as a row to store, not yet stored (a
   * request refused later, such as prompt=none without a session, leaves nothing behind).
   * Throws AuthorizationRedirectError.
   */
  validate(parsed: ParsedAuthorization, query: Record<string, unknown>): AuthorizationRequest {
    const { client } = parsed;
    // RFC 6749 §3.1: no parameter may be repeated, including those read nowhere (prompt).
    const repeated = repeatedParameter(query);
    if (repeated !== undefined)
      throw new AuthorizationRedirectError('invalid_request', `${repeated} must be sent once`);
    const responseType = single(query, 'response_type');
    if (!responseType)
      throw new AuthorizationRedirectError('invalid_request', 'response_type is required');
    if (responseType !== 'code' && responseType !== 'token') {
      throw new AuthorizationRedirectError(
        'unsupported_response_type',
        `response_type ${responseType} is not supported`,
      );
    }
    const grant = responseType === 'code' ? 'authorization_code' : 'implicit';
    if (!client.grantTypes.includes(grant) || !client.responseTypes.includes(responseType)) {
      throw new AuthorizationRedirectError(
        'unauthorized_client',
        `this client may not use response_type ${responseType}`,
      );
    }
    const state = single(query, 'state');
    if (state && state.length > 2048)
      throw new AuthorizationRedirectError('invalid_request', 'state is too long');
    const nonce = single(query, 'nonce');
    if (nonce && nonce.length > 512)
      throw new AuthorizationRedirectError('invalid_request', 'nonce is too long');

    const requestedScope = single(query, 'scope');
    const scopes = requestedScope === undefined ? client.scopes : parseScope(requestedScope);
    if (!scopes) throw new AuthorizationRedirectError('invalid_scope', 'scope is malformed');
    if (!isSubset(scopes, client.scopes)) {
      const outside = scopes.filter((scope) => !client.scopes.includes(scope));
      throw new AuthorizationRedirectError(
        'invalid_scope',
        `scope not allowed for this client: ${outside.join(' ')}`,
      );
    }

    let codeChallenge = single(query, 'code_challenge');
    let method = single(query, 'code_challenge_method');
    if (responseType === 'code') {
      if (codeChallenge === undefined) {
        if (method !== undefined)
          throw new AuthorizationRedirectError(
            'invalid_request',
            'code_challenge_method without code_challenge',
          );
        if (client.isPublic || client.requirePkce) {
          throw new AuthorizationRedirectError(
            'invalid_request',
            'code_challenge is required (PKCE, S256)',
          );
        }
      } else {
        method ??= 'plain'; // RFC 7636 §4.3
        if (method !== 'S256' && method !== 'plain') {
          throw new AuthorizationRedirectError(
            'invalid_request',
            'code_challenge_method must be S256',
          );
        }
        // A public client's verifier is its only proof: never sent where the challenge goes.
        if (method === 'plain' && (client.isPublic || !client.allowPlainPkce)) {
          throw new AuthorizationRedirectError(
            'invalid_request',
            'code_challenge_method plain is not allowed; use S256',
          );
        }
        if (!PKCE_CHALLENGE.test(codeChallenge)) {
          throw new AuthorizationRedirectError(
            'invalid_request',
            'code_challenge must be 43 to 128 unreserved characters',
          );
        }
      }
    } else {
      codeChallenge = undefined;
      method = undefined;
    }

    return this.requests.create({
      id: randomToken(24),
      clientId: client.clientId,
      responseType,
      redirectUri: parsed.redirectUri,
      redirectUriGiven: query.redirect_uri !== undefined && query.redirect_uri !== '',
      scope: scopes.join(' '),
      state: state ?? null,
      nonce: nonce ?? null,
      codeChallenge: codeChallenge ?? null,
      codeChallengeMethod: method ?? null,
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
         scope, state, nonce, code_challenge, code_challenge_method, expires_at, browser_digest)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11), $12)`,
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
      ],
    );
  }

  /**
   * A pending request that has not expired, with its client, when `browser` is the browser
   * that started it (its CSRF cookie): a request id passed to another browser is worthless.
   */
  async find(
    id: unknown,
    browser: FastifyRequest,
  ): Promise<{ request: AuthorizationRequest; client: Client } | undefined> {
    if (typeof id !== 'string' || id.length > 64) return undefined;
    const request = await this.requests
      .createQueryBuilder('r')
      .where('r.id = :id AND r.expires_at > now()', { id })
      .getOne();
    if (!request) return undefined;
    if (request.browserDigest) {
      const secret = readSignedCookie(browser, CSRF_COOKIE, this.config.secureCookies);
      if (!secret || !digestsEqual(sha256(secret), request.browserDigest)) return undefined;
    }
    const client = await this.clients.findForAuthentication(request.clientId);
    if (!client || client.disabled) return undefined;
    return { request, client };
  }

  /** Removes a finished request; false if another tab finished it first. */
  async finish(id: string): Promise<boolean> {
    const result = await this.requests.delete({ id });
    return Boolean(result.affected);
  }
}
