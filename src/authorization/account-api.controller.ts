import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { Principal, type AccessTokenPrincipal } from '@portcullis/nest-resource-server';
import { TokenRevocation } from '../tokens/token-revocation.service.js';
import { ConsentsService } from './consents.service.js';

/**
 * The account pages as a JSON API, for apps acting for a signed-in user: a user token with
 * the `account` scope lists and revokes that user's own consents.
 */
@ApiTags('account')
@RequiresLiveToken('account')
@Controller('account/api/consents')
export class AccountApiController {
  constructor(
    private readonly consents: ConsentsService,
    private readonly revocation: TokenRevocation,
    private readonly audit: AuditService,
  ) {}

  @Get()
  async list(@Principal() principal: AccessTokenPrincipal) {
    const items = await this.consents.list(this.userOf(principal));
    return {
      items: items.map((c) => ({
        client_id: c.clientId,
        client_name: c.clientName,
        scope: c.scope,
        granted_at: c.grantedAt.toISOString(),
      })),
    };
  }

  /** Withdraws a consent and revokes the refresh tokens issued under it. */
  @Delete(':clientId')
  @HttpCode(204)
  async revoke(
    @Param('clientId') clientId: string,
    @Principal() principal: AccessTokenPrincipal,
  ): Promise<void> {
    const userId = this.userOf(principal);
    if (!(await this.consents.revoke(userId, clientId))) throw OAuthError.notFound('consent');
    await this.revocation.revoke({ userId, clientId }, 'consent_revoked');
    await this.audit.record({
      type: 'consent.revoked',
      clientId,
      userId,
      details: { via: 'account_api' },
    });
  }

  private userOf(principal: AccessTokenPrincipal): string {
    if (!principal.username)
      throw OAuthError.bearer('invalid_token', "this API needs a user's access token");
    return principal.sub;
  }
}
