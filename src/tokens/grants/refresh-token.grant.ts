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
import { TokenAudience } from '../token-audience.js';
import { resourceIdentifierProblem } from '../../apis/resource-identifier.js';
import { OperationsMetrics } from '../../metrics/operations-metrics.js';

interface RefreshRequest {
  refreshToken: string;
  /** Parsed; undefined when the request named no scope. */
  requested?: string[];
  /** The one API asked for (RFC 8707 §2.2); undefined: the grant's own audience. */
  resource?: string;
  ip: string;
}

/** The scope name of an item (TokenAudience): what follows the API identifier's `#`. */
const nameOf = (item: string) => item.slice(item.lastIndexOf('#') + 1);

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
    private readonly audience: TokenAudience,
    private readonly metrics: OperationsMetrics,
  ) {}

  validate(request: TokenRequest): Promise<RefreshRequest> {
    const refreshToken = request.require('refresh_token');
    const scope = request.get('scope');
    const requested = scope === undefined ? undefined : Scope.parse(scope)?.toArray();
    if (scope !== undefined && requested === undefined)
      throw new OAuthError('invalid_scope', 'scope is malformed');
    if (refreshToken.length > 512) throw INVALID();
    const resources = request.getAll('resource');
    if (resources.length > 1) {
      throw new OAuthError(
        'invalid_target',
        'an access token is for one resource; ask for each in its own token request',
      );
    }
    const [resource] = resources;
    const problem = resource === undefined ? undefined : resourceIdentifierProblem(resource);
    if (problem) throw new OAuthError('invalid_target', `resource ${problem}`);
    return Promise.resolve({ refreshToken, requested, resource, ip: request.ip });
  }

  async issue(
    request: RefreshRequest,
    client: Client,
    dpopJkt: string | undefined,
  ): Promise<TokenResponse> {
    const id = this.minter.newAccessTokenId();
    const targets = await this.audience.for(client);
    const consumption = await this.refreshTokens.consume({
      token: request.refreshToken,
      clientId: client.clientId,
      requested: request.requested,
      resource: request.resource,
      clientItems: targets.clientItems().toArray(),
      lifetimes: targets.lifetimes(),
      access: { jti: id.jti, issuedAt: id.iat, ip: request.ip },
      dpopJkt,
      dpopOnly: await this.audience.dpopOnly(),
    });
    switch (consumption.outcome) {
      case 'granted': {
        const { grant, username } = consumption;
        const items = Scope.of(consumption.scopes);
        const access = targets.access(consumption.audience, items, consumption.resources);
        const minted = await this.minter.sign(
          {
            grantType: this.grantType,
            client,
            user: grant.userId ? { id: grant.userId, username: username! } : undefined,
            grant: { resources: consumption.resources, items },
            access,
            // RFC 9449 §5: the new access token is bound to this request's proof key.
            dpopJkt,
            ip: request.ip,
          },
          { ...id, exp: consumption.expiresAt },
          { token: consumption.successor, familyId: grant.familyId },
        );
        return minted.response;
      }
      case 'target_not_granted':
        throw new OAuthError(
          'invalid_target',
          `resource was not granted, or this client may no longer use it: ${consumption.target}`,
        );
      case 'reused':
        this.metrics.refreshReuseDetected();
        await this.revokeReused(consumption.familyId, client, request.ip);
        throw INVALID();
      case 'user_disabled':
        throw new OAuthError('invalid_grant', 'the user of this grant is disabled or gone');
      case 'dpop_key_mismatch':
        throw new OAuthError(
          'invalid_grant',
          dpopJkt === undefined
            ? 'this refresh token is bound to a DPoP key: send a DPoP proof by that key'
            : 'the DPoP proof is not by the key this refresh token is bound to',
        );
      case 'dpop_proof_required':
        throw OAuthError.invalidRequest(
          consumption.target !== null && (await this.audience.dpopOnly()).has(consumption.target)
            ? `${consumption.target} accepts only DPoP-bound access tokens: send a DPoP proof`
            : 'the access tokens of this grant are DPoP-bound: send a DPoP proof to refresh it',
        );
      case 'scope_not_granted':
        throw new OAuthError(
          'invalid_scope',
          `scope not allowed for this client: ${Scope.of(consumption.outside.map(nameOf)).toString()}`,
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
