import { Injectable } from '@nestjs/common';
import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { Scope } from '../../common/scope.js';
import {
  BadCredentialsError,
  PasswordAuthenticator,
} from '../../users/password-authenticator.service.js';
import type { User } from '../../users/user.entity.js';
import type { AccessTarget, GrantTarget } from '../client-targets.js';
import { TokenAudience } from '../token-audience.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';
import { TokenMinter } from '../token-minter.service.js';
import type { GrantHandler } from './grant-handler.js';

interface PasswordGrantRequest {
  user: User;
  grant: GrantTarget;
  access: AccessTarget;
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
    private readonly audience: TokenAudience,
  ) {}

  async validate(request: TokenRequest, client: Client): Promise<PasswordGrantRequest> {
    const username = request.require('username');
    const password = request.require('password');
    const requestedScope = request.get('scope');
    const resources = request.getAll('resource');

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

    const target = (await this.audience.for(client)).direct({
      resources,
      scope: requestedScope,
      // A user's scope limits the client's; null is no limit.
      limit: user.scope === null ? undefined : Scope.stored(user.scope),
    });
    return { user, ...target, ip: request.ip };
  }

  async issue(
    grant: PasswordGrantRequest,
    client: Client,
    dpopJkt: string | undefined,
  ): Promise<TokenResponse> {
    const minted = await this.minter.mint({
      dpopJkt,
      grantType: this.grantType,
      client,
      user: grant.user,
      grant: grant.grant,
      access: grant.access,
      refresh: client.grantTypes.includes('refresh_token'),
      ip: grant.ip,
    });
    return minted.response;
  }
}
