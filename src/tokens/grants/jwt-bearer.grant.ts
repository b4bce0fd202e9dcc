import { Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import {
  AssertionRejected,
  ClientAssertionVerifier,
} from '../../clients/client-assertion.verifier.js';
import { JWT_BEARER_GRANT } from '../../clients/client-metadata.rules.js';
import type { Client } from '../../clients/client.entity.js';
import { ClientsService } from '../../clients/clients.service.js';
import { OAuthError } from '../../common/oauth-error.js';
import { AppConfig } from '../../config/app-config.js';
import type { AccessTarget, GrantTarget } from '../client-targets.js';
import { TokenAudience } from '../token-audience.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';
import { TokenMinter } from '../token-minter.service.js';
import type { GrantHandler } from './grant-handler.js';

interface JwtBearerRequest {
  grant: GrantTarget;
  access: AccessTarget;
  ttl?: number;
  sessionName?: string;
  jti: string;
  ip: string;
}

/**
 * RFC 7523 §2.1, the grant Coze's API uses: a client signs an assertion with a key it
 * registered and gets an access token for itself. `duration_seconds` may shorten the token
 * (never past ACCESS_TOKEN_TTL); a `session_name` claim is carried into the access token.
 */
@Injectable()
export class JwtBearerGrant implements GrantHandler<JwtBearerRequest> {
  readonly grantType = JWT_BEARER_GRANT;

  constructor(
    private readonly assertions: ClientAssertionVerifier,
    private readonly clients: ClientsService,
    private readonly minter: TokenMinter,
    private readonly config: AppConfig,
    private readonly audience: TokenAudience,
  ) {}

  /**
   * The client named by the assertion's `iss`, when the request has no client credentials
   * of its own (RFC 7523 §3.1): the signature check in `validate` authenticates it.
   */
  async identifyClient(request: TokenRequest): Promise<Client> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(request.require('assertion')).iss;
    } catch (error) {
      if (error instanceof OAuthError) throw error;
      throw new OAuthError('invalid_grant', 'the assertion is not a JWT');
    }
    const client =
      typeof issuer === 'string' && issuer.length <= 256
        ? await this.clients.findActive(issuer)
        : null;
    if (!client)
      throw new OAuthError('invalid_grant', 'the assertion issuer is not a known client');
    return client;
  }

  async validate(request: TokenRequest, client: Client): Promise<JwtBearerRequest> {
    const assertion = request.require('assertion');
    const duration = request.get('duration_seconds');
    if (duration !== undefined && !/^[1-9]\d{0,5}$/.test(duration)) {
      throw OAuthError.invalidRequest('duration_seconds must be a positive integer');
    }
    const target = (await this.audience.for(client)).direct({
      resources: request.getAll('resource'),
      scope: request.get('scope'),
    });
    try {
      const { client: issuer, claims } = await this.assertions.verify(
        assertion,
        this.assertions.audiences(),
      );
      if (issuer.clientId !== client.clientId)
        throw new AssertionRejected('the assertion was issued by another client');
      if (claims.sub !== client.clientId) throw new AssertionRejected('sub must be the client_id');
      const sessionName = claims.session_name;
      if (
        sessionName !== undefined &&
        (typeof sessionName !== 'string' || sessionName.length > 256)
      ) {
        throw new AssertionRejected('session_name must be a string of at most 256 characters');
      }
      return {
        ...target,
        ttl:
          duration === undefined
            ? undefined
            : Math.min(Number(duration), this.config.accessTokenTtl),
        sessionName,
        jti: claims.jti!,
        ip: request.ip,
      };
    } catch (error) {
      if (error instanceof AssertionRejected) throw new OAuthError('invalid_grant', error.message);
      throw error;
    }
  }

  async issue(
    grant: JwtBearerRequest,
    client: Client,
    dpopJkt: string | undefined,
  ): Promise<TokenResponse> {
    const minted = await this.minter.mint({
      dpopJkt,
      grantType: this.grantType,
      client,
      grant: grant.grant,
      access: grant.access,
      ttl: grant.ttl,
      claims: grant.sessionName === undefined ? undefined : { session_name: grant.sessionName },
      ip: grant.ip,
    });
    return minted.response;
  }
}
