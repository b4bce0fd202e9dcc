import { Injectable } from '@nestjs/common';
import type { Client } from '../clients/client.entity.js';
import { Scope } from '../common/scope.js';
import { AppConfig } from '../config/app-config.js';
import { AccessTokenClaimsReader, type AccessTokenClaims } from './access-token-claims.js';
import { AccessTokenLiveness } from './access-token-liveness.js';
import { RefreshTokenStore } from './refresh-token.store.js';

/** Whether the token carries RFC 9449 §6.1's confirmation: `cnf.jkt`, the key's thumbprint. */
function isDpopBound(
  claims: AccessTokenClaims,
): claims is AccessTokenClaims & { cnf: { jkt: string } } {
  const cnf = claims.cnf as { jkt?: unknown } | undefined;
  return typeof cnf === 'object' && cnf !== null && typeof cnf.jkt === 'string';
}

/** An RFC 7662 §2.2 answer. */
export type Introspection = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: Introspection = { active: false };

/**
 * Answers what a token is and whether it is still good (RFC 7662), for the caller allowed to
 * know (maySee). Everything else looks inactive.
 */
@Injectable()
export class TokenInspector {
  constructor(
    private readonly accessTokens: AccessTokenClaimsReader,
    private readonly liveness: AccessTokenLiveness,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly config: AppConfig,
  ) {}

  async introspect(
    token: string,
    hint: string | undefined,
    caller: Client,
  ): Promise<Introspection> {
    const order = hint === 'refresh_token' ? ['refresh', 'access'] : ['access', 'refresh'];
    for (const kind of order) {
      const answer =
        kind === 'access' ? await this.access(token, caller) : await this.refresh(token, caller);
      if (answer) return answer;
    }
    return INACTIVE;
  }

  /** undefined: not an access token of ours at all (try the other kind). */
  private async access(token: string, caller: Client): Promise<Introspection | undefined> {
    const claims = await this.accessTokens.read(token);
    if (!claims) return undefined;
    const audiences = ([] as string[]).concat(claims.aud ?? []);
    if (!this.maySee(caller, claims.client_id, audiences)) return INACTIVE;
    if ((await this.liveness.check(claims)) !== 'live') return INACTIVE;
    return {
      active: true,
      scope: claims.scope ?? '',
      client_id: claims.client_id,
      sub: claims.sub,
      ...(claims.username ? { username: claims.username } : {}),
      // RFC 9449 §6.2: a bound token says so, and to which key.
      token_type: isDpopBound(claims) ? 'DPoP' : 'Bearer',
      ...(isDpopBound(claims) ? { cnf: { jkt: claims.cnf.jkt } } : {}),
      exp: claims.exp,
      iat: claims.iat,
      nbf: claims.nbf ?? claims.iat,
      iss: claims.iss,
      aud: claims.aud,
      jti: claims.jti,
      ...(typeof claims.session_name === 'string' ? { session_name: claims.session_name } : {}),
      // RFC 8693 §4.1: who acts for the subject of an exchanged token.
      ...(claims.act !== undefined ? { act: claims.act } : {}),
    };
  }

  private async refresh(token: string, caller: Client): Promise<Introspection | undefined> {
    if (token.length > 512) return undefined;
    const state = await this.refreshTokens.inspect(token);
    if (!state) return undefined;
    // A refresh token is redeemed here only: it is the issuer's, as far as audiences go.
    if (!state.active || !this.maySee(caller, state.clientId, [this.config.issuer]))
      return INACTIVE;
    // A token of a disabled client or user is as good as revoked.
    const parties = await this.liveness.activeParties(state.clientId, state.userId);
    if (!parties) return INACTIVE;
    const { user } = parties;
    return {
      active: true,
      scope: Scope.of(state.scopes).toString(),
      client_id: state.clientId,
      sub: state.userId ?? state.clientId,
      ...(user ? { username: user.username } : {}),
      token_type: 'refresh_token',
      exp: Math.floor(state.expiresAt.getTime() / 1000),
      iat: Math.floor(state.issuedAt.getTime() / 1000),
      nbf: Math.floor(state.issuedAt.getTime() / 1000),
      iss: this.config.issuer,
    };
  }

  /**
   * The client the token was issued to, a client named in its audience, or an `introspect`
   * client that serves one of its audiences: the APIs of its `default_resource` and
   * `resource_scopes`, and the issuer's, which every `introspect` client serves.
   */
  private maySee(caller: Client, tokenClientId: string, audiences: string[]): boolean {
    if (caller.clientId === tokenClientId || audiences.includes(caller.clientId)) return true;
    if (!caller.scopes.has('introspect')) return false;
    return audiences.some(
      (audience) =>
        audience === this.config.issuer ||
        audience === caller.defaultResource ||
        Object.hasOwn(caller.resourceScopes, audience),
    );
  }
}
