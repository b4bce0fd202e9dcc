import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OAuthError } from '../common/oauth-error.js';
import { Principal, type AccessTokenPrincipal } from '@portcullis/nest-resource-server';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { UsersService } from '../users/users.service.js';

/** OpenID Connect Core §5.3 UserInfo: who the token's user is, as far as its scopes allow. */
@ApiTags('oauth')
@RequiresLiveToken()
@Controller('oauth')
export class UserinfoController {
  constructor(private readonly users: UsersService) {}

  @Get('userinfo')
  @ApiOkResponse({ description: '`sub`, `preferred_username`, and `email` with the email scope.' })
  async userinfo(@Principal() principal: AccessTokenPrincipal) {
    const user = principal.username ? await this.users.findActive(principal.sub) : undefined;
    if (!user)
      throw OAuthError.bearer('invalid_token', 'the access token does not stand for a user');
    return {
      sub: user.id,
      preferred_username: user.username,
      ...(principal.scopes.includes('email') && user.email ? { email: user.email } : {}),
    };
  }
}
