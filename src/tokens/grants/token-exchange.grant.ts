import { Injectable } from '@nestjs/common';
import { TOKEN_EXCHANGE_GRANT } from '../../clients/client-metadata.rules.js';
import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { Scope } from '../../common/scope.js';
import { delegatedActClaim, readActClaim, type ActClaim } from '../act-claim.js';
import { AccessTokenClaimsReader, type AccessTokenClaims } from '../access-token-claims.js';
import { AccessTokenLiveness } from '../access-token-liveness.js';
import {
  IDENTITY_SCOPES,
  type AccessTarget,
  type ClientTargets,
  type GrantTarget,
} from '../client-targets.js';
import { TokenAudience } from '../token-audience.js';
import { TokenMinter } from '../token-minter.service.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';
import type { GrantHandler } from './grant-handler.js';

/** RFC 8693 §3: the token types a subject or actor token may be; ours are both. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ACCEPTED_TOKEN_TYPES: ReadonlySet<string> = new Set([ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE]);

interface TokenExchange {
  subject: AccessTokenClaims;
  grant: GrantTarget;
  access: AccessTarget;
  /** The new token's `act`; undefined when nobody acts (impersonation of an undelegated token). */
  act?: ActClaim;
  impersonation: boolean;
  ip: string;
}

/** RFC 8693 §2.2.2: an invalid or unacceptable subject or actor token is `invalid_request`. */
const unacceptable = (description: string) => new OAuthError('invalid_request', description);

/**
 * RFC 8693 token exchange: a service that was sent an access token gets one for the next API
 * it calls, for the same subject. The acting client is the authenticated one; it must be
 * confidential and registered for the grant (the token endpoint checks the latter).
 *
 * - `subject_token` (type access_token or jwt): a live access token of this server, for an
 *   audience the acting client serves (its `default_resource`, a key of its `resource_scopes`,
 *   or its client_id) — a service exchanges only tokens that were sent to it.
 * - The target (`resource` and/or `audience`, API identifiers; none: the client's
 *   `default_resource`): exactly one registered API of the client's `resource_scopes`.
 * - `scope`: names the client may have at the target AND the subject token has; none asked
 *   for is all of those, and there must be some.
 * - The new token keeps the subject token's `sub` (and `username`), lives no longer than it,
 *   and has the acting client as `client_id`. No refresh token.
 *
 * Delegation or impersonation: the new token carries `act: { sub: <acting client_id> }`,
 * nesting the subject token's own `act` under it (the chain is kept whole), unless the client
 * is registered with `token_exchange_impersonation: true` AND sends no `actor_token`: then it
 * adds no `act` of its own (a subject token's `act` is still kept, so a chain is never
 * laundered). An `actor_token` (an access token issued to the acting client) always means
 * delegation.
 *
 * A subject or actor token that is not live, or not acceptable, is `invalid_request`, as
 * RFC 8693 §2.2.2 requires, and so is an unsupported token type; a target is
 * `invalid_target`, a scope `invalid_scope`.
 */
@Injectable()
export class TokenExchangeGrant implements GrantHandler<TokenExchange> {
  readonly grantType = TOKEN_EXCHANGE_GRANT;

  constructor(
    private readonly reader: AccessTokenClaimsReader,
    private readonly liveness: AccessTokenLiveness,
    private readonly audience: TokenAudience,
    private readonly minter: TokenMinter,
  ) {}

  async validate(request: TokenRequest, client: Client): Promise<TokenExchange> {
    if (client.isPublic)
      throw new OAuthError('unauthorized_client', 'token exchange needs a confidential client');
    const subjectToken = request.require('subject_token');
    checkTokenType('subject_token_type', request.require('subject_token_type'));
    const actorToken = request.get('actor_token');
    const actorTokenType = request.get('actor_token_type');
    if (actorToken === undefined && actorTokenType !== undefined)
      throw OAuthError.invalidRequest('actor_token_type is sent only with an actor_token');
    if (actorToken !== undefined)
      checkTokenType('actor_token_type', actorTokenType ?? missing('actor_token_type'));
    const requestedType = request.get('requested_token_type');
    if (requestedType !== undefined && requestedType !== ACCESS_TOKEN_TYPE) {
      throw OAuthError.invalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }

    const targets = await this.audience.for(client);
    const target = targetOf(targets, [
      ...request.getAll('resource'),
      ...request.getAll('audience'),
    ]);
    const subject = await this.subjectOf(subjectToken, client);
    if (actorToken !== undefined) await this.checkActor(actorToken, client);

    const impersonation = actorToken === undefined && client.tokenExchangeImpersonation;
    const previous = readActClaim(subject.act);
    const act = impersonation ? previous : delegatedActClaim(client.clientId, previous);
    const { grant, access } = scopeOf(targets, target, subject, request.get('scope'));
    return { subject, grant, access, act, impersonation, ip: request.ip };
  }

  async issue(
    exchange: TokenExchange,
    client: Client,
    dpopJkt: string | undefined,
  ): Promise<TokenResponse> {
    const { subject, act } = exchange;
    // Never past the subject token: whole seconds left, counted from the next second so that
    // a token signed at the turn of a second cannot outlive it.
    const left = subject.exp - Math.ceil(Date.now() / 1000);
    if (left < 1) throw unacceptable('the subject_token has expired');
    const minted = await this.minter.mint({
      grantType: this.grantType,
      client,
      ...(subject.username === undefined
        ? { subject: subject.sub }
        : { user: { id: subject.sub, username: subject.username } }),
      grant: exchange.grant,
      access: exchange.access,
      ttl: left,
      dpopJkt,
      claims: act ? { act } : undefined,
      event: {
        type: 'token.exchanged',
        details: {
          subject_jti: subject.jti,
          subject_client_id: subject.client_id,
          impersonation: exchange.impersonation,
          ...(act ? { act } : {}),
        },
      },
      ip: exchange.ip,
    });
    return { ...minted.response, issued_token_type: ACCESS_TOKEN_TYPE };
  }

  /** The subject token's claims, when it is live and was sent to an audience the client serves. */
  private async subjectOf(token: string, client: Client): Promise<AccessTokenClaims> {
    const claims = await this.reader.read(token);
    if (!claims) throw unacceptable('subject_token is not a valid access token of this server');
    const audiences = ([] as unknown[]).concat(claims.aud ?? []);
    if (!audiences.some((aud) => typeof aud === 'string' && serves(client, aud))) {
      throw unacceptable('subject_token was not issued for an API this client serves');
    }
    if ((await this.liveness.check(claims)) !== 'live')
      throw unacceptable('subject_token is no longer active');
    return claims;
  }

  /** An actor token stands for the acting client: one of its own live access tokens. */
  private async checkActor(token: string, client: Client): Promise<void> {
    const claims = await this.reader.read(token);
    if (!claims) throw unacceptable('actor_token is not a valid access token of this server');
    if (claims.client_id !== client.clientId)
      throw unacceptable('actor_token was not issued to this client');
    if ((await this.liveness.check(claims)) !== 'live')
      throw unacceptable('actor_token is no longer active');
  }
}

function missing(name: string): never {
  throw OAuthError.invalidRequest(`${name} is required`);
}

/** RFC 8693 §2.2.2: a token type this server does not take is an invalid request. */
function checkTokenType(name: string, value: string): void {
  if (!ACCEPTED_TOKEN_TYPES.has(value)) {
    throw OAuthError.invalidRequest(
      `unsupported ${name}: this server exchanges its own access tokens (${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE})`,
    );
  }
}

/** Whether `audience` is one the client serves: its APIs, or the client itself. */
function serves(client: Client, audience: string): boolean {
  return (
    audience === client.clientId ||
    audience === client.defaultResource ||
    Object.hasOwn(client.resourceScopes, audience)
  );
}

/** The one API the new token is for, among the client's (ClientTargets.resources). */
function targetOf(targets: ClientTargets, requested: string[]): string {
  const resources = targets.resources([...new Set(requested)]);
  if (resources.length > 1) {
    throw new OAuthError(
      'invalid_target',
      'a token is exchanged for one API; ask for each in its own request',
    );
  }
  if (resources[0] === targets.issuer) {
    throw new OAuthError(
      'invalid_target',
      'a token is exchanged for an API of resource_scopes: name it with resource or audience',
    );
  }
  return resources[0];
}

/**
 * The new token's scope at `target`: what the client may have there, within the subject
 * token's scope (by name) — never broader. Identity scopes stay with the issuer's tokens.
 */
function scopeOf(
  targets: ClientTargets,
  target: string,
  subject: AccessTokenClaims,
  requested: string | undefined,
): { grant: GrantTarget; access: AccessTarget } {
  const held = Scope.of(
    [...Scope.stored(subject.scope ?? null)].filter((name) => !IDENTITY_SCOPES.has(name)),
  );
  if (requested !== undefined) {
    const scope = Scope.parse(requested);
    if (!scope) throw new OAuthError('invalid_scope', 'scope is malformed');
    const beyond = scope.without(held);
    if (!beyond.isEmpty) {
      throw new OAuthError(
        'invalid_scope',
        `scope beyond the subject_token's: ${beyond.toString()}`,
      );
    }
  }
  const grant = targets.grant([target], requested, held);
  const access = targets.access(target, grant.items, grant.resources);
  if (access.scope.isEmpty) {
    throw new OAuthError(
      'invalid_scope',
      'the subject_token has no scope this client may have at the target',
    );
  }
  return { grant, access };
}
