import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ClientAuthenticator } from '../clients/client-authenticator.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { describeRequestSpan } from '../common/request-span.js';
import { OperationsMetrics } from '../metrics/operations-metrics.js';
import { clientCredentials, readForm } from './form-request.js';
import { GrantRegistry } from './grant-registry.js';
import type { TokenResponse } from './token-response.js';
import { TOKEN_REQUEST_SCHEMA } from './token-request.schema.js';

@ApiTags('oauth')
@Controller('oauth')
export class TokenController {
  constructor(
    private readonly grants: GrantRegistry,
    private readonly clientAuthenticator: ClientAuthenticator,
    private readonly metrics: OperationsMetrics,
  ) {}

  /** RFC 6749 §3.2: authenticate the client once, then let the grant's handler answer. */
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: TOKEN_REQUEST_SCHEMA })
  @ApiOkResponse({ description: 'An access token (RFC 6749 §5.1).' })
  @ApiBadRequestResponse({
    description: 'An RFC 6749 §5.2 error, or invalid_target (RFC 8707) for a resource refused.',
  })
  @ApiUnauthorizedResponse({ description: 'invalid_client.' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed password attempts.' })
  async token(@Req() request: FastifyRequest): Promise<TokenResponse> {
    const params = readForm(request);
    const grantType = params.require('grant_type');
    const handler = this.grants.get(grantType);
    if (!handler) {
      throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    // A grant type this server knows, never whatever text a client sent.
    describeRequestSpan({ 'oauth.grant_type': grantType });
    const credentials = clientCredentials(request, params);
    const client =
      handler.identifyClient && !this.clientAuthenticator.hasCredentials(credentials)
        ? await handler.identifyClient(params)
        : await this.clientAuthenticator.authenticate(credentials);
    describeRequestSpan({ 'oauth.client_id': client.clientId });
    if (!client.grantTypes.includes(grantType)) {
      throw new OAuthError('unauthorized_client', `this client may not use the ${grantType} grant`);
    }
    const grant = await handler.validate(params, client);
    const issued = await handler.issue(grant, client);
    this.metrics.tokenIssued(grantType);
    return issued;
  }
}
