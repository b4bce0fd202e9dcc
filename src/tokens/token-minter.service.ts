import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { Client } from '../clients/client.entity.js';
import { randomToken } from '../common/secrets.js';
import type { User } from '../users/user.entity.js';
import { AccessTokenIssuer } from './access-token.issuer.js';
import { IdTokenIssuer } from './id-token.issuer.js';
import { RefreshTokensService } from './refresh-tokens.service.js';
import type { TokenResponse } from './token-response.js';

export interface MintRequest {
  grantType: string;
  client: Client;
  /** The resource owner; absent when the client acts for itself. */
  user?: Pick<User, 'id' | 'username'>;
  scopes: string[];
  /** Access token lifetime, when the grant shortens it. */
  ttl?: number;
  claims?: Record<string, unknown>;
  /** `new` starts a refresh-token family; a string is the successor a rotation produced. */
  refresh?: 'new' | { token: string; familyId: string };
  /** An OpenID Connect ID token, when the grant has the `openid` scope and a user. */
  idToken?: { authTime: Date; nonce: string | null };
  ip?: string;
  /**
   * The access token's id and that its audit row is already written, when the grant wrote
   * it in the same statement as the change it records.
   */
  audited?: { jti: string };
}

/** What a mint produced, for grants that must be able to revoke it later. */
export interface Minted {
  response: TokenResponse;
  jti: string;
  expiresAt: number;
  familyId?: string;
}

/**
 * Turns a validated grant into its token response (RFC 6749 §5.1): the access token, a
 * refresh token when the grant carries one, and the audit row saying so.
 */
@Injectable()
export class TokenMinter {
  constructor(
    private readonly accessTokens: AccessTokenIssuer,
    private readonly refreshTokens: RefreshTokensService,
    private readonly audit: AuditService,
    private readonly idTokens: IdTokenIssuer,
  ) {}

  async mint(request: MintRequest): Promise<TokenResponse> {
    return (await this.mintDetailed(request)).response;
  }

  async mintDetailed(request: MintRequest): Promise<Minted> {
    const { client, user, scopes } = request;
    const jti = request.audited?.jti ?? randomToken(16);
    const scope = scopes.join(' ');
    const details: Record<string, unknown> = { grant_type: request.grantType, scope, jti };
    let refresh = request.refresh === 'new' ? undefined : request.refresh;
    if (request.refresh === 'new') {
      // The family and the audit row in one statement.
      refresh = await this.refreshTokens.start(client.clientId, user?.id ?? null, scopes, {
        ip: request.ip,
        details,
      });
    } else if (!request.audited) {
      if (refresh) details.family_id = refresh.familyId;
      await this.audit.record({
        type: refresh ? 'refresh.rotated' : 'token.issued',
        clientId: client.clientId,
        userId: user?.id,
        ip: request.ip,
        details,
      });
    }
    // Signed once the row is committed: the requests of one audit batch resume in one turn,
    // so their tokens are signed back to back (JwtSigner).
    const [access, idToken] = await Promise.all([
      this.accessTokens.issue({
        subject: user?.id ?? client.clientId,
        clientId: client.clientId,
        scopes,
        ttl: request.ttl,
        jti,
        claims: user ? { ...request.claims, username: user.username } : request.claims,
      }),
      request.idToken && user && scopes.includes('openid')
        ? this.idTokens.issue({ userId: user.id, clientId: client.clientId, ...request.idToken })
        : undefined,
    ]);
    const response: TokenResponse = {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope,
    };
    if (refresh) response.refresh_token = refresh.token;
    if (idToken) response.id_token = idToken;
    return { response, jti, expiresAt: access.expiresAt, familyId: refresh?.familyId };
  }
}
