import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service.js';
import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { UsersService } from '../../users/users.service.js';
import { AuthorizationCodeStore, type CodeGrant } from '../authorization-code.store.js';
import { TokenRevocation } from '../token-revocation.service.js';
import { TokenAudience } from '../token-audience.js';
import { Scope } from '../../common/scope.js';
import { isCodeVerifier, verifierMatches } from '../pkce.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';
import { TokenMinter } from '../token-minter.service.js';
import type { GrantHandler } from './grant-handler.js';

interface CodeRequest {
  code: string;
  /** The one API the access token is for (RFC 8707 §2.2); none: the grant's own. */
  resources: string[];
  redirectUri?: string;
  codeVerifier?: string;
  ip: string;
}

const INVALID = (why: string) => new OAuthError('invalid_grant', why);

/**
 * RFC 6749 §4.1.3 with RFC 7636. The code is consumed first, atomically; then it must belong
 * to this client, repeat the redirect URI, and match its PKCE challenge (a code issued
 * without one refuses a verifier: no downgrade). A second redemption revokes what the first
 * one issued (§4.1.2), even when it races the first one's minting.
 */
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler<CodeRequest> {
  readonly grantType = 'authorization_code';

  constructor(
    private readonly codes: AuthorizationCodeStore,
    private readonly users: UsersService,
    private readonly revocation: TokenRevocation,
    private readonly minter: TokenMinter,
    private readonly audit: AuditService,
    private readonly audience: TokenAudience,
  ) {}

  validate(request: TokenRequest): Promise<CodeRequest> {
    const codeVerifier = request.get('code_verifier');
    if (codeVerifier !== undefined && !isCodeVerifier(codeVerifier)) {
      throw OAuthError.invalidRequest('code_verifier must be 43 to 128 unreserved characters');
    }
    return Promise.resolve({
      code: request.require('code'),
      resources: request.getAll('resource'),
      redirectUri: request.get('redirect_uri'),
      codeVerifier,
      ip: request.ip,
    });
  }

  async issue(
    request: CodeRequest,
    client: Client,
    dpopJkt: string | undefined,
  ): Promise<TokenResponse> {
    if (dpopJkt === undefined) await this.refuseUnboundForDpopOnly(request, client);
    const redemption = await this.codes.redeem(request.code, dpopJkt);
    if (redemption.outcome === 'invalid')
      throw INVALID('the authorization code is invalid or expired');
    if (redemption.outcome === 'key_mismatch') {
      throw INVALID(
        dpopJkt === undefined
          ? 'this code is bound to a DPoP key (dpop_jkt): redeem it with a DPoP proof by that key'
          : 'the DPoP proof is not by the key this code is bound to (dpop_jkt)',
      );
    }
    if (redemption.outcome === 'replayed') {
      await this.revokeIssued(redemption, request.ip);
      throw INVALID('the authorization code was already used; tokens issued from it are revoked');
    }
    const { grant, digest } = redemption;
    this.check(grant, client, request);
    const user = await this.users.findActive(grant.userId);
    if (!user) throw INVALID('the user of this code is disabled or gone');
    // The code is spent whatever happens next: RFC 6749 §4.1.2 allows one attempt.
    const target = { resources: grant.resources, items: Scope.of(grant.scopes) };
    const targets = await this.audience.for(client);
    const audience = targets.pick(target, request.resources);

    const minted = await this.minter.mint({
      grantType: this.grantType,
      client,
      user: user,
      grant: target,
      access: targets.access(audience, target.items, target.resources),
      refresh: client.grantTypes.includes('refresh_token'),
      dpopJkt,
      idToken: { authTime: grant.authTime, nonce: grant.nonce },
      ip: request.ip,
    });
    if (await this.codes.recordIssued(digest, minted)) {
      // Replayed while these were minted: they are revoked like any issued before a replay.
      await this.revokeIssued(
        {
          clientId: client.clientId,
          familyId: minted.familyId ?? null,
          jti: minted.jti,
          jtiExpiresAt: new Date(minted.expiresAt * 1000),
        },
        request.ip,
      );
    }
    return minted.response;
  }

  /**
   * RFC 9449 §5.2 for registered APIs that take only DPoP-bound tokens: a request without a
   * proof for one is refused before the code is redeemed, so its owner can send it again with
   * a proof. Only looked at when such an API exists; anything else the code gets wrong is left
   * to the redemption, which spends it.
   */
  private async refuseUnboundForDpopOnly(request: CodeRequest, client: Client): Promise<void> {
    const dpopOnly = await this.audience.dpopOnly();
    if (dpopOnly.size === 0) return;
    const pending = await this.codes.peek(request.code);
    if (!pending || pending.clientId !== client.clientId) return;
    let audience: string;
    try {
      audience = (await this.audience.for(client)).pick(
        { resources: pending.resources, items: Scope.of(pending.scopes) },
        request.resources,
      );
    } catch {
      return;
    }
    if (dpopOnly.has(audience)) {
      throw OAuthError.invalidRequest(
        `${audience} accepts only DPoP-bound access tokens: send a DPoP proof`,
      );
    }
  }

  private check(grant: CodeGrant, client: Client, request: CodeRequest): void {
    if (grant.clientId !== client.clientId)
      throw INVALID('the authorization code was issued to another client');
    if (grant.redirectUriGiven || request.redirectUri !== undefined) {
      if (request.redirectUri !== grant.redirectUri) {
        throw INVALID('redirect_uri does not match the authorization request');
      }
    }
    if (!grant.codeChallenge) {
      if (request.codeVerifier !== undefined) {
        throw INVALID('code_verifier sent for a code issued without a code_challenge');
      }
      return;
    }
    if (request.codeVerifier === undefined)
      throw INVALID('code_verifier is required for this code');
    if (!verifierMatches(request.codeVerifier, grant.codeChallenge, grant.codeChallengeMethod))
      throw INVALID('code_verifier does not match the code_challenge');
  }

  private async revokeIssued(
    replay: {
      clientId: string;
      familyId: string | null;
      jti: string | null;
      jtiExpiresAt: Date | null;
    },
    ip: string,
  ): Promise<void> {
    if (replay.familyId) await this.revocation.revoke({ familyId: replay.familyId }, 'code_replay');
    if (replay.jti && replay.jtiExpiresAt) {
      const expiresAt = Math.floor(replay.jtiExpiresAt.getTime() / 1000);
      await this.revocation.revoke({ jti: replay.jti, expiresAt }, 'code_replay');
    }
    await this.audit.record({
      type: 'token.revoked',
      clientId: replay.clientId,
      ip,
      details: {
        reason: 'authorization_code_replayed',
        jti: replay.jti,
        family_id: replay.familyId,
      },
    });
  }
}
