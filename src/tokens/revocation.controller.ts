import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ClientAuthenticator } from '../clients/client-authenticator.service.js';
import { clientCredentials, readForm } from './form-request.js';
import { TokenRevoker } from './token-revoker.service.js';

@ApiTags('oauth')
@Controller('oauth')
export class RevocationController {
  constructor(
    private readonly clientAuthenticator: ClientAuthenticator,
    private readonly revoker: TokenRevoker,
  ) {}

  /** RFC 7009 §2: 200 whether or not there was anything to revoke. */
  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOkResponse({ description: 'The token is revoked, or was never valid for this client.' })
  @ApiUnauthorizedResponse({ description: 'invalid_client.' })
  async revoke(@Req() request: FastifyRequest): Promise<void> {
    const params = readForm(request);
    const client = await this.clientAuthenticator.authenticate(clientCredentials(request, params));
    await this.revoker.revoke(
      params.require('token'),
      params.get('token_type_hint'),
      client,
      request.ip,
    );
  }
}
