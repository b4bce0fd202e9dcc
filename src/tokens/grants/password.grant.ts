import { Injectable } from '@nestjs/common';
import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { Scope } from '../../common/scope.js';
import {
  BadCredentialsError,
  PasswordAuthenticator,
} from '../../users/password-authenticator.service.js';
import type { User } from '../../users/user.entity.js';
import { grantedScope } from '../requested-scope.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';
import { TokenMinter } from '../token-minter.service.js';
import type { GrantHandler } from './grant-handler.js';

interface PasswordGrantRequest {
  user: User;
  scopes: string[];
  ip: string;
}

const BAD_CREDENTIALS = () => new OAuthError('invalid_grant', 'invalid username or password');

/**
 * RFC 6749 §4.3, for clients registered with it. An unknown user costs one argon2
 * verification like a known one, and both answer the same; failures are throttled per
 * account and per address in the database.
 */
@Injectable()
export class PasswordGrant implements GrantHandler<PasswordGrantRequest> {
  readonly grantType = 'password';

  constructor(
    private readonly passwords: PasswordAuthenticator,
    private readonly minter: TokenMinter,
  ) {}

  async validate(request: TokenRequest, client: Client): Promise<PasswordGrantRequest> {
    const username = request.require('username');
    const password = request.require('password');
    const requestedScope = request.get('scope');

    let user: User;
    try {
      user = await this.passwords.authenticate({
        username,
        password,
        ip: request.ip,
        clientId: client.clientId,
        via: 'password_grant',
      });
    } catch (error) {
      if (error instanceof BadCredentialsError) throw BAD_CREDENTIALS();
      throw error;
    }

    // A user's scope limits the client's; null is no limit.
    const allowed =
      user.scope === null ? client.scopes : client.scopes.intersect(Scope.stored(user.scope));
    return { user, scopes: grantedScope(requestedScope, allowed).toArray(), ip: request.ip };
  }

  async issue(grant: PasswordGrantRequest, client: Client): Promise<TokenResponse> {
    const minted = await this.minter.mint({
      grantType: this.grantType,
      client,
      user: grant.user,
      scopes: grant.scopes,
      refresh: client.grantTypes.includes('refresh_token'),
      ip: grant.ip,
    });
    return minted.response;
  }
}
