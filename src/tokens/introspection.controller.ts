import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ClientAuthenticator } from '../clients/client-authenticator.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { clientCredentials, readForm } from './form-request.js';
import { type Introspection, TokenInspector } from './token-inspector.service.js';

@ApiTags('oauth')
@Controller('oauth')
export class IntrospectionController {
  constructor(
    private readonly clientAuthenticator: ClientAuthenticator,
    private readonly inspector: TokenInspector,
  ) {}

  /** RFC 7662 §2: `{"active": false}` for anything the caller may not use or see. */
  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOkResponse({ description: 'The token state (RFC 7662 §2.2).' })
  @ApiUnauthorizedResponse({ description: 'invalid_client.' })
  async introspect(@Req() request: FastifyRequest): Promise<Introspection> {
    const params = readForm(request);
    const client = await this.clientAuthenticator.authenticate(clientCredentials(request, params));
    // Identifying a public client by its client_id is not authenticating it.
    if (client.isPublic)
      throw OAuthError.invalidClient('introspection needs an authenticated client');
    return this.inspector.introspect(
      params.require('token'),
      params.get('token_type_hint'),
      client,
    );
  }
}
