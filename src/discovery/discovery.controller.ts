import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DPOP_ALGORITHMS } from '@portcullis/nest-resource-server';
import { ApisService } from '../apis/apis.service.js';
import { ResponseTypeRegistry } from '../authorization/response-types/response-type-registry.js';
import { ASSERTION_ALGORITHMS } from '../clients/client-assertion.verifier.js';
import { AUTH_METHODS } from '../clients/client-metadata.rules.js';
import { AppConfig } from '../config/app-config.js';
import { SIGNING_ALGS } from '../keys/signing-algorithms.js';
import { GrantRegistry } from '../tokens/grant-registry.js';

/** Public clients (`none`) may revoke their own tokens; introspection needs authentication. */
const CONFIDENTIAL_AUTH_METHODS = AUTH_METHODS.filter((method) => method !== 'none');

/** RFC 8414 metadata: what this server implements, and nothing it does not. */
@ApiTags('discovery')
@Controller('.well-known')
export class DiscoveryController {
  constructor(
    private readonly config: AppConfig,
    private readonly grants: GrantRegistry,
    private readonly responseTypes: ResponseTypeRegistry,
    private readonly apis: ApisService,
  ) {}

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'Authorization server metadata (RFC 8414).' })
  async metadata() {
    const issuer = this.config.issuer;
    const catalog = await this.apis.catalog();
    return {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      userinfo_endpoint: `${issuer}/oauth/userinfo`,
      grant_types_supported: [
        ...new Set([...this.grants.grantTypes(), ...this.responseTypes.grantTypes()]),
      ],
      response_types_supported: this.responseTypes.responseTypes(),
      response_modes_supported: this.responseTypes.responseModes(),
      code_challenge_methods_supported: ['S256', 'plain'],
      authorization_response_iss_parameter_supported: true,
      // RFC 9126 §5: clients push with the token endpoint's authentication methods.
      pushed_authorization_request_endpoint: this.config.pushedAuthorizationRequestEndpoint,
      require_pushed_authorization_requests: this.config.requirePushedRequests,
      token_endpoint_auth_methods_supported: AUTH_METHODS,
      token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      revocation_endpoint: this.config.revocationEndpoint,
      revocation_endpoint_auth_methods_supported: AUTH_METHODS,
      revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      introspection_endpoint: this.config.introspectionEndpoint,
      introspection_endpoint_auth_methods_supported: CONFIDENTIAL_AUTH_METHODS,
      introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      // RFC 9449 §5.1: the token endpoint binds tokens to DPoP proofs signed with these.
      dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
      service_documentation: `${issuer}/docs`,
      // RFC 9728 §4: the resource indicators (RFC 8707) tokens can be issued for, the issuer
      // standing for Portcullis's own APIs.
      protected_resources: [issuer, ...catalog.keys()],
    };
  }

  /** OpenID Connect Discovery 1.0: the same server, described for OIDC relying parties. */
  @Get('openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'OpenID Provider metadata.' })
  async openidConfiguration() {
    return {
      ...(await this.metadata()),
      // ID tokens come from the code flow; `token` alone carries none.
      response_types_supported: this.responseTypes.responseTypes(),
      subject_types_supported: ['public'],
      // A key for each (RS256 among them, as OIDC Core §15.1 and Discovery §3 require); a
      // client picks one with id_token_signed_response_alg / userinfo_signed_response_alg.
      id_token_signing_alg_values_supported: SIGNING_ALGS,
      userinfo_signing_alg_values_supported: SIGNING_ALGS,
      scopes_supported: ['openid', 'profile', 'email'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'preferred_username',
        'email',
      ],
      prompt_values_supported: ['none', 'login'],
      // Request objects are not read, by value or by reference (the default is true); the
      // request_uri of a pushed request (RFC 9126) is this server's own, not a client's URL.
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    };
  }
}
