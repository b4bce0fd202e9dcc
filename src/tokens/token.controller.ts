import { Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientAuthenticator } from '../clients/client-authenticator.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { describeRequestSpan } from '../common/request-span.js';
import { OperationsMetrics } from '../metrics/operations-metrics.js';
import { clientCredentials, readForm } from './form-request.js';
import { GrantRegistry } from './grant-registry.js';
import type { TokenResponse } from './token-response.js';
import { TOKEN_REQUEST_SCHEMA } from './token-request.schema.js';
import { DPOP_PROOF_MAX_AGE_SECONDS, TokenRequestProof } from './token-request-proof.js';

@ApiTags('oauth')
@Controller('oauth')
export class TokenController {
  constructor(
    private readonly grants: GrantRegistry,
    private readonly clientAuthenticator: ClientAuthenticator,
    private readonly metrics: OperationsMetrics,
    private readonly proofs: TokenRequestProof,
  ) {}

  /** RFC 6749 §3.2: authenticate the client once, then let the grant's handler answer. */
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: TOKEN_REQUEST_SCHEMA })
  @ApiHeader({
    name: 'DPoP',
    required: false,
    description: `A DPoP proof (RFC 9449 §4): a JWT with typ dpop+jwt signed by the client's key (ES256, RS256, PS256 or EdDSA; the public key in its jwk header), with htm POST, htu this endpoint's URL, a fresh jti, iat at most ${DPOP_PROOF_MAX_AGE_SECONDS} s old, and the server's nonce when it asks for one. The access token is then bound to the key (cnf.jkt, token_type DPoP), and so is a public client's refresh token. Sent once.`,
  })
  @ApiOkResponse({
    description:
      'An access token (RFC 6749 §5.1); token_type DPoP when bound by a proof, with a DPoP-Nonce header when the server issues nonces.',
  })
  @ApiBadRequestResponse({
    description:
      'An RFC 6749 §5.2 error, invalid_target (RFC 8707) for a resource refused, invalid_dpop_proof for a refused DPoP proof, or use_dpop_nonce with a DPoP-Nonce header to retry with (RFC 9449 §8).',
  })
  @ApiUnauthorizedResponse({ description: 'invalid_client.' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed password attempts.' })
  async token(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const params = readForm(request);
    const grantType = params.require('grant_type');
    const handler = this.grants.get(grantType);
    if (!handler) {
      throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    // A grant type this server knows, never whatever text a client sent.
    describeRequestSpan({ 'oauth.grant_type': grantType });
    // Before the client is authenticated: a client retrying with the server's nonce must not
    // have spent its assertion, nor counted a failure, on the attempt without it.
    const dpopJkt = await this.proofs.keyOf(request);
    const credentials = clientCredentials(request, params);
    const client =
      handler.identifyClient && !this.clientAuthenticator.hasCredentials(credentials)
        ? await handler.identifyClient(params)
        : await this.clientAuthenticator.authenticate(credentials);
    describeRequestSpan({ 'oauth.client_id': client.clientId });
    if (!client.grantTypes.includes(grantType)) {
      throw new OAuthError('unauthorized_client', `this client may not use the ${grantType} grant`);
    }
    if (client.dpopBoundAccessTokens && dpopJkt === undefined) {
      throw OAuthError.invalidRequest(
        'this client is registered with dpop_bound_access_tokens: send a DPoP proof',
      );
    }
    const grant = await handler.validate(params, client);
    const issued = await handler.issue(grant, client, dpopJkt);
    this.metrics.tokenIssued(grantType);
    if (dpopJkt !== undefined && this.proofs.nonceRequired)
      void reply.header('DPoP-Nonce', this.proofs.nonce());
    return issued;
  }
}
