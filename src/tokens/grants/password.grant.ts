import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service.js';
import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { LoginThrottleService } from '../../users/login-throttle.service.js';
import { PasswordHasher } from '../../users/password-hasher.service.js';
import type { User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';
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
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottleService,
    private readonly minter: TokenMinter,
    private readonly audit: AuditService,
  ) {}

  async validate(request: TokenRequest, client: Client): Promise<PasswordGrantRequest> {
    const username = request.require('username');
    const password = request.require('password');
    if (username.length > 256 || password.length > 1024) throw BAD_CREDENTIALS();
    const requestedScope = request.get('scope');

    await this.throttle.assertNotLocked(username, request.ip);
    const user = await this.users.findByUsername(username);
    const verified = await this.hasher.verify(
      user?.passwordHash ?? (await this.hasher.decoyHash()),
      password,
    );
    if (!user || !verified || user.disabled) {
      await this.throttle.recordFailure(username, request.ip, client.clientId);
      await this.audit.record({
        type: 'login.failed',
        clientId: client.clientId,
        userId: user?.id,
        ip: request.ip,
        details: {
          username,
          reason: !user ? 'unknown_user' : !verified ? 'wrong_password' : 'user_disabled',
        },
      });
      throw BAD_CREDENTIALS();
    }
    await this.throttle.recordSuccess(username);

    const userScopes = user.scope === null ? undefined : user.scope.split(' ').filter(Boolean);
    const allowed = userScopes
      ? client.scopes.filter((scope) => userScopes.includes(scope))
      : client.scopes;
    return { user, scopes: grantedScope(requestedScope, allowed), ip: request.ip };
  }

  issue(grant: PasswordGrantRequest, client: Client): Promise<TokenResponse> {
    return this.minter.mint({
      grantType: this.grantType,
      client,
      user: grant.user,
      scopes: grant.scopes,
      refresh: client.grantTypes.includes('refresh_token') ? 'new' : undefined,
      ip: grant.ip,
    });
  }
}
