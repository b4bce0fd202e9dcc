import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service.js';
import { OAuthError } from '../common/oauth-error.js';
import type { AccessTokenPrincipal } from '@portcullis/nest-resource-server';

/**
 * What the admin API asks of a token beyond its signature and scope, and beyond being live
 * (BearerAuthGuard and LiveTokenGuard run first): a client acting for itself — never a
 * user's token, whatever its scope or the user's name — and still registered for `admin`. The admin API is the one place where a stolen token is worth everything,
 * so it does not wait for the token to expire.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly clients: ClientsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const principal = context.switchToHttp().getRequest<{ user: AccessTokenPrincipal }>().user;
    if (principal.username !== undefined || principal.sub !== principal.clientId) {
      throw OAuthError.bearer(
        'insufficient_scope',
        'the admin API takes a token a client obtained for itself, not a user’s',
        'admin',
      );
    }
    const client = await this.clients.findActive(principal.clientId);
    if (!client?.scopes.has('admin')) {
      throw OAuthError.bearer(
        'invalid_token',
        'the client of this token is disabled or no longer an administrator',
      );
    }
    return true;
  }
}
