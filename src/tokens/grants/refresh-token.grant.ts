import { Injectable } from '@nestjs/common';
import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { Scope } from '../../common/scope.js';
import { AuditService } from '../../audit/audit.service.js';
import { RefreshTokenStore } from '../refresh-token.store.js';
import { TokenRevocation } from '../token-revocation.service.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';
import { TokenMinter } from '../token-minter.service.js';
import type { GrantHandler } from './grant-handler.js';

interface RefreshRequest {
  refreshToken: string;
  /** Parsed; undefined when the request named no scope. */
  requested?: string[];
  ip: string;
}

const INVALID = () =>
  new OAuthError('invalid_grant', 'the refresh token is invalid, expired or revoked');

/**
 * RFC 6749 §6 with rotation. The access token may be narrower than the original grant; the
 * successor refresh token keeps the original scope (§6: "MUST be identical"). Scopes the
 * client has since lost are no longer granted. A consumed token presented again revokes its
 * whole family (RFC 9700 §4.14.2). The rules themselves are the store's (RefreshTokenStore).
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler<RefreshRequest> {
  readonly grantType = 'refresh_token';

  constructor(
    private readonly refreshTokens: RefreshTokenStore,
    private readonly revocation: TokenRevocation,
    private readonly minter: TokenMinter,
    private readonly audit: AuditService,
  ) {}

  validate(request: TokenRequest): Promise<RefreshRequest> {
    const refreshToken = request.require('refresh_token');
    const scope = request.get('scope');
    const requested = scope === undefined ? undefined : Scope.parse(scope)?.toArray();
    if (scope !== undefined && requested === undefined)
      throw new OAuthError('invalid_scope', 'scope is malformed');
    if (refreshToken.length > 512) throw INVALID();
    return Promise.resolve({ refreshToken, requested, ip: request.ip });
  }

  async issue(request: RefreshRequest, client: Client): Promise<TokenResponse> {
    const access = this.minter.newAccessTokenId();
    const consumption = await this.refreshTokens.consume({
      token: request.refreshToken,
      clientId: client.clientId,
      requested: request.requested,
      clientScopes: client.scopes.toArray(),
      access: { jti: access.jti, expiresAt: access.exp, ip: request.ip },
    });
    switch (consumption.outcome) {
      case 'granted': {
        const { grant, username } = consumption;
        const minted = await this.minter.sign(
          {
            grantType: this.grantType,
            client,
            user: grant.userId ? { id: grant.userId, username: username! } : undefined,
            scopes: consumption.scopes,
            ip: request.ip,
          },
          access,
          { token: consumption.successor, familyId: grant.familyId },
        );
        return minted.response;
      }
      case 'reused':
        await this.revokeReused(consumption.familyId, client, request.ip);
        throw INVALID();
      case 'user_disabled':
        throw new OAuthError('invalid_grant', 'the user of this grant is disabled or gone');
      case 'scope_not_granted':
        throw new OAuthError(
          'invalid_scope',
          `scope not allowed for this client: ${Scope.of(consumption.outside).toString()}`,
        );
      case 'invalid':
        throw INVALID();
    }
  }

  private async revokeReused(familyId: string, client: Client, ip: string): Promise<void> {
    const [family] = await this.revocation.revoke({ familyId }, 'reuse');
    if (!family?.revokedNow) return;
    await this.audit.record({
      type: 'refresh.reuse_detected',
      clientId: client.clientId,
      userId: family.userId,
      ip,
      details: { family_id: familyId, family_revoked: true },
    });
  }
}
