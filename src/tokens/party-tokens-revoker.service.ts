import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthorizationCodesService } from '../authorization/authorization-codes.service.js';
import { AccessTokenRevocations } from './access-token-revocations.js';

/** A client, or a user, whose every grant is to end. */
export type Party = { clientId: string; familyId?: never } | { userId: string };

/**
 * Ends everything a client or user holds, for when an administrator disables it: its refresh
 * token families are revoked, its unredeemed codes discarded, and its access tokens still in
 * their lifetime put on the revocation list (their ids are in the audit trail: the minter
 * audits every id before it signs). While disabled, the flag alone refuses them; this is
 * what keeps them dead once the party is enabled again.
 */
@Injectable()
export class PartyTokensRevoker {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly codes: AuthorizationCodesService,
    private readonly accessTokens: AccessTokenRevocations,
  ) {}

  async revokeEverythingOf(party: Party, reason: string): Promise<void> {
    const [column, value] =
      'clientId' in party ? ['client_id', party.clientId] : ['user_id', party.userId];
    await this.dataSource.query(
      `UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = $2
        WHERE ${column} = $1 AND revoked_at IS NULL`,
      [value, reason],
    );
    await this.accessTokens.revokeIssuedTo(party);
    await this.codes.discardUnredeemedOf(party);
  }
}
