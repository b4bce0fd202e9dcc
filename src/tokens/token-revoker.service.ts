import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { Client } from '../clients/client.entity.js';
import { AccessTokenClaimsReader } from './access-token-claims.js';
import { TokenRevocation } from './token-revocation.service.js';

/**
 * RFC 7009: revokes a refresh token (with its whole family) or an access token (by `jti`)
 * issued to the calling client. The hint decides what is tried first, not what is believed;
 * unknown, foreign or already-dead tokens change nothing.
 */
@Injectable()
export class TokenRevoker {
  constructor(
    private readonly accessTokens: AccessTokenClaimsReader,
    private readonly revocation: TokenRevocation,
    private readonly audit: AuditService,
  ) {}

  async revoke(token: string, hint: string | undefined, caller: Client, ip: string): Promise<void> {
    const order = hint === 'access_token' ? ['access', 'refresh'] : ['refresh', 'access'];
    for (const kind of order) {
      if (
        kind === 'refresh'
          ? await this.revokeRefresh(token, caller, ip)
          : await this.revokeAccess(token, caller, ip)
      )
        return;
    }
  }

  private async revokeRefresh(token: string, caller: Client, ip: string): Promise<boolean> {
    if (token.length > 512) return false;
    const [family] = await this.revocation.revoke(
      { refreshToken: token, clientId: caller.clientId },
      'revoked',
    );
    if (!family) return false;
    await this.audit.record({
      type: 'token.revoked',
      clientId: caller.clientId,
      ip,
      details: { token_type: 'refresh_token', family_id: family.familyId },
    });
    return true;
  }

  private async revokeAccess(token: string, caller: Client, ip: string): Promise<boolean> {
    const claims = await this.accessTokens.read(token);
    if (!claims || claims.client_id !== caller.clientId) return false;
    await this.revocation.revoke({ jti: claims.jti, expiresAt: claims.exp }, 'revoked');
    await this.audit.record({
      type: 'token.revoked',
      clientId: caller.clientId,
      userId: claims.username ? claims.sub : null,
      ip,
      details: { token_type: 'access_token', jti: claims.jti },
    });
    return true;
  }
}
