import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { OAuthError } from '../common/oauth-error.js';
import type { AccessTokenPrincipal } from '@portcullis/nest-resource-server';
import { AccessTokenLiveness } from './access-token-liveness.js';

const REFUSALS = {
  revoked: 'the access token has been revoked',
  client_inactive: 'the client of this token is disabled or gone',
  user_inactive: 'the user of this token is disabled or gone',
} as const;

/**
 * What Portcullis's own APIs ask of a bearer token beyond its signature (BearerAuthGuard runs
 * first): that it is live, as introspection answers. Sibling services that verify tokens
 * locally learn this only at expiry, or by introspecting. Routes take it through
 * `@RequiresLiveToken`, never on its own.
 */
@Injectable()
export class LiveTokenGuard implements CanActivate {
  constructor(private readonly liveness: AccessTokenLiveness) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const principal = context.switchToHttp().getRequest<{ user: AccessTokenPrincipal }>().user;
    const liveness = await this.liveness.check({
      jti: principal.claims.jti,
      client_id: principal.clientId,
      sub: principal.sub,
      username: principal.username,
    });
    if (liveness !== 'live') throw OAuthError.bearer('invalid_token', REFUSALS[liveness]);
    return true;
  }
}
