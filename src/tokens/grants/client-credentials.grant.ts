import { Injectable } from '@nestjs/common';
import type { Client } from '../../clients/client.entity.js';
import { AccessTokenIssuer } from '../access-token.issuer.js';
import { grantedScope } from '../requested-scope.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';
import type { GrantHandler } from './grant-handler.js';

/** RFC 6749 §4.4: a confidential client acting on its own behalf. No refresh token. */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler<{ scopes: string[] }> {
  readonly grantType = 'client_credentials';

  constructor(private readonly accessTokens: AccessTokenIssuer) {}

  validate(request: TokenRequest, client: Client): Promise<{ scopes: string[] }> {
    return Promise.resolve({ scopes: grantedScope(request.get('scope'), client.scopes) });
  }

  async issue({ scopes }: { scopes: string[] }, client: Client): Promise<TokenResponse> {
    const accessToken = await this.accessTokens.issue({
      subject: client.clientId,
      clientId: client.clientId,
      scopes,
    });
    return {
      access_token: accessToken.token,
      token_type: 'Bearer',
      expires_in: accessToken.expiresIn,
      scope: scopes.join(' '),
    };
  }
}
