import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ClientAuthenticator } from '../clients/client-authenticator.service.js';
import { describeRequestSpan } from '../common/request-span.js';
import { AppConfig } from '../config/app-config.js';
import { clientCredentials, readForm } from '../tokens/form-request.js';
import { TokenRequestProof } from '../tokens/token-request-proof.js';
import { PUSHED_AUTHORIZATION_REQUEST_SCHEMA } from './pushed-authorization-request.schema.js';
import {
  PushedAuthorizationRequests,
  type PushedAuthorizationResponse,
} from './pushed-authorization-requests.service.js';

@ApiTags('oauth')
@Controller('oauth')
export class PushedAuthorizationController {
  constructor(
    private readonly clientAuthenticator: ClientAuthenticator,
    private readonly pushed: PushedAuthorizationRequests,
    private readonly proof: TokenRequestProof,
    private readonly config: AppConfig,
  ) {}

  /**
   * RFC 9126 §2: the client, authenticated as at the token endpoint (a public client names
   * itself with client_id), pushes an authorization request and gets its request_uri.
   */
  @Post('par')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: PUSHED_AUTHORIZATION_REQUEST_SCHEMA })
  @ApiCreatedResponse({
    description:
      'The request_uri (urn:ietf:params:oauth:request_uri:…) to send the browser to the authorize endpoint with, once, and its lifetime in seconds (RFC 9126 §2.2).',
    schema: {
      type: 'object',
      properties: {
        request_uri: { type: 'string' },
        expires_in: { type: 'integer', example: 60 },
      },
    },
  })
  @ApiBadRequestResponse({
    description:
      'An error of the authorization request, as JSON: invalid_request, invalid_redirect_uri, unsupported_response_type, unauthorized_client, invalid_scope, invalid_target, request_not_supported.',
  })
  @ApiUnauthorizedResponse({ description: 'invalid_client.' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed client authentications.' })
  async push(@Req() request: FastifyRequest): Promise<PushedAuthorizationResponse> {
    // Refuses a repeated parameter (but resource) and a body that is not a form.
    const params = readForm(request);
    // RFC 9449 §10.1: a DPoP proof here binds the code as dpop_jkt would. Checked before the
    // client, as at the token endpoint, so a nonce retry does not spend a client assertion.
    const proofKey = await this.proof.keyOf(
      request,
      this.config.pushedAuthorizationRequestEndpoint,
    );
    const client = await this.clientAuthenticator.authenticate(clientCredentials(request, params));
    describeRequestSpan({ 'oauth.client_id': client.clientId });
    return this.pushed.push(client, request.body as Record<string, unknown>, proofKey);
  }
}
