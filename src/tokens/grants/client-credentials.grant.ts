import { Injectable } from '@nestjs/common';
import type { Client } from '../../clients/client.entity.js';
import type { AccessTarget, GrantTarget } from '../client-targets.js';
import { TokenAudience } from '../token-audience.js';
import { TokenMinter } from '../token-minter.service.js';
import type { TokenRequest } from '../token-request.js';
import type { TokenResponse } from '../token-response.js';
import type { GrantHandler } from './grant-handler.js';

interface ClientGrant {
  grant: GrantTarget;
  access: AccessTarget;
  ip: string;
}

/** RFC 6749 §4.4: a confidential client acting on its own behalf. No refresh token. */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler<ClientGrant> {
  readonly grantType = 'client_credentials';

  constructor(
    private readonly minter: TokenMinter,
    private readonly audience: TokenAudience,
  ) {}

  async validate(request: TokenRequest, client: Client): Promise<ClientGrant> {
    const target = (await this.audience.for(client)).direct({
      resources: request.getAll('resource'),
      scope: request.get('scope'),
    });
    return { ...target, ip: request.ip };
  }

  async issue(
    { grant, access, ip }: ClientGrant,
    client: Client,
    dpopJkt: string | undefined,
  ): Promise<TokenResponse> {
    return (
      await this.minter.mint({ grantType: this.grantType, client, grant, access, dpopJkt, ip })
    ).response;
  }
}
