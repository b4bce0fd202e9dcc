import { Injectable } from '@nestjs/common';
import type { Client } from '../../clients/client.entity.js';
import { grantedScope } from '../requested-scope.js';
import { TokenMinter } from '../token-minter.service.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';
import type { GrantHandler } from './grant-handler.js';

interface ClientGrant {
  scopes: string[];
  ip: string;
}

/** RFC 6749 §4.4: a confidential client acting on its own behalf. No refresh token. */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler<ClientGrant> {
  readonly grantType = 'client_credentials';

  constructor(private readonly minter: TokenMinter) {}

  validate(request: TokenRequest, client: Client): Promise<ClientGrant> {
    return Promise.resolve({
      scopes: grantedScope(request.get('scope'), client.scopes).toArray(),
      ip: request.ip,
    });
  }

  async issue({ scopes, ip }: ClientGrant, client: Client): Promise<TokenResponse> {
    return (await this.minter.mint({ grantType: this.grantType, client, scopes, ip })).response;
  }
}
