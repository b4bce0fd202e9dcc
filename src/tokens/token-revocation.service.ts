import { Injectable } from '@nestjs/common';
import { AccessTokenStore } from './access-token.store.js';
import { AuthorizationCodeStore } from './authorization-code.store.js';
import { RefreshTokenStore, type RevokedFamily } from './refresh-token.store.js';

/** What to revoke. */
export type RevocationSelector =
  /** One access token (RFC 7009, or one a replayed code issued). */
  | { jti: string; expiresAt: number }
  /** One grant: its refresh-token family and every access token issued with it. */
  | { familyId: string }
  /** The grant of a refresh token, when it is this client's (RFC 7009 §2.1). */
  | { refreshToken: string; clientId: string }
  /** Every grant a user gave a client, and its access tokens (consent withdrawn). */
  | { clientId: string; userId: string }
  /** Everything a client or a user holds: grants, access tokens, unredeemed codes (disabled). */
  | { clientId: string }
  | { userId: string };

export type RevocationReason =
  'revoked' | 'reuse' | 'code_replay' | 'consent_revoked' | 'client_disabled' | 'user_disabled';

/**
 * The one way credentials are revoked. Access tokens are found through the index of issued
 * tokens, so a revoked grant, client or user loses the ones still live too (RFC 6819
 * §5.2.2.3), and they stay dead if the client or user is enabled again.
 */
@Injectable()
export class TokenRevocation {
  constructor(
    private readonly accessTokens: AccessTokenStore,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly codes: AuthorizationCodeStore,
  ) {}

  /** Revokes what `selector` names; answers the refresh-token families it reached. */
  async revoke(selector: RevocationSelector, reason: RevocationReason): Promise<RevokedFamily[]> {
    if ('jti' in selector) {
      await this.accessTokens.revoke(selector);
      return [];
    }
    if ('familyId' in selector || 'refreshToken' in selector) {
      const families = await this.refreshTokens.revoke(
        'familyId' in selector
          ? selector
          : { token: selector.refreshToken, clientId: selector.clientId },
        reason,
      );
      for (const { familyId } of families) await this.accessTokens.revoke({ familyId });
      return families;
    }
    const families = await this.refreshTokens.revoke(selector, reason);
    await this.accessTokens.revoke(selector);
    // A withdrawn consent ends grants, not the sign-in that may be under way (its code lives a minute).
    if (!('clientId' in selector && 'userId' in selector))
      await this.codes.discardUnredeemedOf(selector);
    return families;
  }
}
