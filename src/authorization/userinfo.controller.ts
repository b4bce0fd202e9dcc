import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ClientsService } from '../clients/clients.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { AppConfig } from '../config/app-config.js';
import { JwtSigner } from '../keys/jwt-signer.service.js';
import { Principal, type AccessTokenPrincipal } from '@portcullis/nest-resource-server';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { UsersService } from '../users/users.service.js';

/**
 * OpenID Connect Core §5.3 UserInfo: who the token's user is, as far as its scopes allow; as
 * a JWT (§5.3.2, with `iss` and `aud`) for a client that registered
 * `userinfo_signed_response_alg`.
 */
@ApiTags('oauth')
@RequiresLiveToken()
@Controller('oauth')
export class UserinfoController {
  constructor(
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly signer: JwtSigner,
    private readonly config: AppConfig,
  ) {}

  @Get('userinfo')
  @ApiProduces('application/json', 'application/jwt')
  @ApiOkResponse({
    description:
      '`sub`, `preferred_username`, and `email` with the email scope: JSON, or a signed JWT for a client with `userinfo_signed_response_alg`.',
  })
  async userinfo(
    @Principal() principal: AccessTokenPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const user = principal.username ? await this.users.findActive(principal.sub) : undefined;
    if (!user)
      throw OAuthError.bearer('invalid_token', 'the access token does not stand for a user');
    const claims = {
      sub: user.id,
      preferred_username: user.username,
      ...(principal.scopes.includes('email') && user.email ? { email: user.email } : {}),
    };
    const alg = (await this.clients.findActive(principal.clientId))?.userinfoSignedResponseAlg;
    if (!alg) return claims;
    const jwt = await this.signer.sign(
      'JWT',
      {
        iss: this.config.issuer,
        aud: principal.clientId,
        iat: Math.floor(Date.now() / 1000),
        ...claims,
      },
      alg,
    );
    void reply.header('Content-Type', 'application/jwt');
    return jwt;
  }
}
