import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service.js';
import { BearerError, type AccessTokenPrincipal } from '../resource-server/index.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenRevocations } from './access-token-revocations.js';

/**
 * What Portcullis's own APIs ask of a bearer token beyond its signature (BearerAuthGuard runs
 * first): that it was not revoked, and that its client, and its user for a user's token, are
 * still enabled, as introspection answers. Sibling services that verify tokens locally learn
 * this only at expiry, or by introspecting.
 */
@Injectable()
export class LiveTokenGuard implements CanActivate {
  constructor(
    private readonly clients: ClientsService,
    private readonly users: UsersService,
    private readonly revocations: AccessTokenRevocations,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const principal = context.switchToHttp().getRequest<{ user: AccessTokenPrincipal }>().user;
    const jti = principal.claims.jti;
    const [revoked, client, user] = await Promise.all([
      typeof jti === 'string' ? this.revocations.isRevoked(jti) : true,
      this.clients.findForAuthentication(principal.clientId),
      principal.username === undefined ? undefined : this.users.findActive(principal.sub),
    ]);
    if (revoked) throw new BearerError('invalid_token', 'the access token has been revoked', 401);
    if (!client || client.disabled)
      throw new BearerError('invalid_token', 'the client of this token is disabled or gone', 401);
    if (principal.username !== undefined && !user)
      throw new BearerError('invalid_token', 'the user of this token is disabled or gone', 401);
    return true;
  }
}
