import { Injectable } from '@nestjs/common';
import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { isSubset, parseScope } from '../../common/scope.js';
import { randomToken } from '../../common/secrets.js';
import type { User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';
import { RefreshTokensService } from '../refresh-tokens.service.js';
import { grantedScope } from '../requested-scope.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';
import { TokenMinter } from '../token-minter.service.js';
import type { GrantHandler } from './grant-handler.js';

interface RefreshRequest {
  refreshToken: string;
  requestedScope?: string;
  ip: string;
}

/**
 * RFC 6749 §6 with rotation. The access token may be narrower than the original grant; the
 * successor refresh token keeps the original scope (§6: "MUST be identical"). Scopes the
 * client has since lost are no longer granted.
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler<RefreshRequest> {
  readonly grantType = 'refresh_token';

  constructor(
    private readonly refreshTokens: RefreshTokensService,
    private readonly users: UsersService,
    private readonly minter: TokenMinter,
  ) {}

  validate(request: TokenRequest): Promise<RefreshRequest> {
    const refreshToken = request.require('refresh_token');
    const requestedScope = request.get('scope');
    if (requestedScope !== undefined && !parseScope(requestedScope)) {
      throw new OAuthError('invalid_scope', 'scope is malformed');
    }
    if (refreshToken.length > 512)
      throw new OAuthError('invalid_grant', 'the refresh token is invalid, expired or revoked');
    return Promise.resolve({ refreshToken, requestedScope, ip: request.ip });
  }

  async issue(request: RefreshRequest, client: Client): Promise<TokenResponse> {
    const requested =
      request.requestedScope === undefined ? undefined : parseScope(request.requestedScope)!;
    // The usual request rotates in one statement; anything it refuses takes the full path,
    // which finds the reason (and detects reuse).
    if (!requested || isSubset(requested, client.scopes)) {
      const jti = randomToken(16);
      const rotated = await this.refreshTokens.rotateAtOnce(
        request.refreshToken,
        client.clientId,
        { requested, clientScopes: client.scopes },
        { jti, ip: request.ip },
      );
      if (rotated) {
        const { grant, username } = rotated;
        const allowed = grant.scopes.filter((scope) => client.scopes.includes(scope));
        return this.minter.mint({
          grantType: this.grantType,
          client,
          user: grant.userId ? { id: grant.userId, username: username! } : undefined,
          scopes: grantedScope(request.requestedScope, allowed),
          refresh: { token: rotated.token, familyId: grant.familyId },
          ip: request.ip,
          audited: { jti },
        });
      }
    }
    return this.rotateCarefully(request, client);
  }

  private async rotateCarefully(request: RefreshRequest, client: Client): Promise<TokenResponse> {
    let user: User | undefined;
    let scopes: string[] = [];
    const rotated = await this.refreshTokens.rotate(
      request.refreshToken,
      client.clientId,
      async (grant, manager) => {
        if (grant.userId) {
          user = (await this.users.findActive(grant.userId, manager)) ?? undefined;
          if (!user)
            throw new OAuthError('invalid_grant', 'the user of this grant is disabled or gone');
        }
        const allowed = grant.scopes.filter((scope) => client.scopes.includes(scope));
        scopes = grantedScope(request.requestedScope, allowed);
      },
      request.ip,
    );
    return this.minter.mint({
      grantType: this.grantType,
      client,
      user,
      scopes,
      refresh: { token: rotated.token, familyId: rotated.grant.familyId },
      ip: request.ip,
    });
  }
}
