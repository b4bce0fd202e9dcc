import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ClientsService } from '../clients/clients.service.js';
import { BearerError } from '../resource-server/bearer-error.js';
import { BearerAuthGuard, Principal, type AccessTokenPrincipal } from '../resource-server/index.js';
import { AccessTokenRevocations } from '../tokens/access-token-revocations.js';
import { UsersService } from '../users/users.service.js';

/** OpenID Connect Core §5.3 UserInfo: who the token's user is, as far as its scopes allow. */
@ApiTags('oauth')
@ApiBearerAuth()
@UseGuards(BearerAuthGuard)
@Controller('oauth')
export class UserinfoController {
  constructor(
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly revocations: AccessTokenRevocations,
  ) {}

  @Get('userinfo')
  @ApiOkResponse({ description: '`sub`, `preferred_username`, and `email` with the email scope.' })
  async userinfo(@Principal() principal: AccessTokenPrincipal) {
    const jti = typeof principal.claims.jti === 'string' ? principal.claims.jti : '';
    if (!principal.username || (await this.revocations.isRevoked(jti))) {
      throw new BearerError(
        'invalid_token',
        'the access token is revoked or does not stand for a user',
        401,
      );
    }
    const [user, client] = await Promise.all([
      this.users.findActive(principal.sub),
      this.clients.findForAuthentication(principal.clientId),
    ]);
    if (!user)
      throw new BearerError('invalid_token', 'the user of this token is disabled or gone', 401);
    // A disabled client's tokens are as good as revoked, as introspection says too.
    if (!client || client.disabled)
      throw new BearerError('invalid_token', 'the client of this token is disabled or gone', 401);
    return {
      sub: user.id,
      preferred_username: user.username,
      ...(principal.scopes.includes('email') && user.email ? { email: user.email } : {}),
    };
  }
}
