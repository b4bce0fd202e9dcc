import { Injectable } from '@nestjs/common';
import type { AuditRecord } from '../audit/audit.service.js';
import type { Client } from '../clients/client.entity.js';
import { OAuthError } from '../common/oauth-error.js';
import type { User } from '../users/user.entity.js';
import { AccessTokenIssuer, type AccessTokenId } from './access-token.issuer.js';
import { AccessTokenStore } from './access-token.store.js';
import { IdTokenIssuer } from './id-token.issuer.js';
import { RefreshTokenStore } from './refresh-token.store.js';
import type { TokenResponse } from './token-response.js';
import type { AccessTarget, GrantTarget } from './client-targets.js';
import { TokenAudience } from './token-audience.js';

/** What a token response answers for. */
export interface MintRequest {
  grantType: string;
  client: Client;
  /** The resource owner; absent when the client acts for itself. */
  user?: Pick<User, 'id' | 'username'>;
  /**
   * The token's `sub` when there is no user and it is not the client: another client's, whose
   * token this client exchanged (RFC 8693).
   */
  subject?: string;
  /** What the grant covers, as TokenAudience answers it: a refresh-token family keeps it. */
  grant: GrantTarget;
  /** The access token: its one audience, its scope there, its lifetime. */
  access: AccessTarget;
  /** A shorter access-token lifetime, when the grant asks for one. */
  ttl?: number;
  /** Further claims, such as `act` (RFC 8693 §4.1); never replace the registered ones. */
  claims?: Record<string, unknown>;
  /**
   * The audit row of an issuance without a refresh token, when it is more than `token.issued`:
   * its type, and details added to the usual ones (grant type, scope, aud, jti).
   */
  event?: { type: AuditRecord['type']; details: Record<string, unknown> };
  /** Starts a refresh-token family for the grant. */
  refresh?: boolean;
  /**
   * RFC 9449: the thumbprint of the key the request's DPoP proof was signed with. The access
   * token is bound to it (`cnf.jkt`, token_type DPoP), and so is a public client's refresh
   * token (§5).
   */
  dpopJkt?: string;
  /** An OpenID Connect ID token, when the grant has the `openid` scope and a user. */
  idToken?: { authTime: Date; nonce: string | null };
  ip?: string;
}

/** What a mint produced, for grants that must be able to revoke it later. */
export interface Minted {
  response: TokenResponse;
  jti: string;
  expiresAt: number;
  familyId?: string;
}

/**
 * Turns a validated grant into its token response (RFC 6749 §5.1): the access token is
 * recorded (with its audit row, and the refresh-token family it starts) before it is signed,
 * so revocation can always find it.
 */
@Injectable()
export class TokenMinter {
  constructor(
    private readonly accessTokens: AccessTokenIssuer,
    private readonly issued: AccessTokenStore,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly idTokens: IdTokenIssuer,
    private readonly audience: TokenAudience,
  ) {}

  /** A new access token's id, for grants that record it in a statement of their own. */
  newAccessTokenId(ttl?: number): AccessTokenId {
    return this.accessTokens.newId(ttl);
  }

  async mint(request: MintRequest): Promise<Minted> {
    const { client, user } = request;
    if (
      request.dpopJkt === undefined &&
      (await this.audience.dpopOnly()).has(request.access.audience)
    ) {
      throw OAuthError.invalidRequest(
        `${request.access.audience} accepts only DPoP-bound access tokens: send a DPoP proof`,
      );
    }
    const id = this.accessTokens.newId(Math.min(request.access.ttl, request.ttl ?? Infinity));
    // `aud` only for a registered API: a token without it is for the issuer, as always.
    const details: Record<string, unknown> = {
      ...request.event?.details,
      grant_type: request.grantType,
      scope: request.access.scope.toString(),
      jti: id.jti,
    };
    if (request.access.audience !== this.audience.issuer) details.aud = request.access.audience;
    if (request.dpopJkt !== undefined) details.dpop_jkt = request.dpopJkt;
    const type = request.event?.type ?? 'token.issued';
    let refresh: { token: string; familyId: string } | undefined;
    if (request.refresh) {
      refresh = await this.refreshTokens.start(
        {
          clientId: client.clientId,
          userId: user?.id ?? null,
          scopes: request.grant.items.toArray(),
          resources: this.audience.audiencesOf(request.grant),
          audience: request.access.audience,
          // RFC 9449 §5: a confidential client's refresh token is not bound, its access tokens are.
          dpopJkt: client.isPublic ? request.dpopJkt : undefined,
          dpopBound: request.dpopJkt !== undefined,
        },
        { jti: id.jti, expiresAt: id.exp, ip: request.ip, details },
      );
    } else {
      await this.issued.record(
        {
          jti: id.jti,
          clientId: client.clientId,
          userId: user?.id ?? null,
          familyId: null,
          expiresAt: id.exp,
        },
        { type, ip: request.ip, details },
      );
    }
    return this.sign(request, id, refresh);
  }

  /**
   * Signs what is already recorded: the access token `id`, and the refresh token that goes
   * with it. The requests of one batch resume in one turn, so their tokens are signed back to
   * back (JwtSigner).
   */
  async sign(
    request: Omit<MintRequest, 'refresh' | 'ttl'>,
    id: AccessTokenId,
    refresh?: { token: string; familyId: string },
  ): Promise<Minted> {
    const { client, user } = request;
    const scope = request.access.scope;
    const [access, idToken] = await Promise.all([
      this.accessTokens.sign(
        {
          subject: user?.id ?? request.subject ?? client.clientId,
          audience: request.access.audience,
          clientId: client.clientId,
          scope,
          claims: user ? { ...request.claims, username: user.username } : request.claims,
          dpopJkt: request.dpopJkt,
        },
        id,
      ),
      request.idToken && user && request.grant.items.has('openid')
        ? this.idTokens.issue({
            userId: user.id,
            clientId: client.clientId,
            alg: client.idTokenSignedResponseAlg,
            ...request.idToken,
          })
        : undefined,
    ]);
    const response: TokenResponse = {
      access_token: access,
      token_type: request.dpopJkt === undefined ? 'Bearer' : 'DPoP',
      expires_in: id.exp - id.iat,
      scope: scope.toString(),
    };
    if (refresh) response.refresh_token = refresh.token;
    if (idToken) response.id_token = idToken;
    return { response, jti: id.jti, expiresAt: id.exp, familyId: refresh?.familyId };
  }
}
