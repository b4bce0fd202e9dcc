import { Injectable } from '@nestjs/common';
import { Scope } from '../../common/scope.js';
import { TokenAudience } from '../../tokens/token-audience.js';
import { TokenMinter } from '../../tokens/token-minter.service.js';
import type { ConsentedRequest, ResponseTypeHandler } from './response-type-handler.js';

/** RFC 6749 §4.2.2 (implicit): an access token in the fragment, and no refresh token. */
@Injectable()
export class TokenResponseType implements ResponseTypeHandler {
  readonly responseType = 'token';
  readonly grantType = 'implicit';
  readonly responseMode = 'fragment';
  readonly issuesCode = false;

  constructor(
    private readonly minter: TokenMinter,
    private readonly audience: TokenAudience,
  ) {}

  async answer({ request, client, user, scopes, ip }: ConsentedRequest) {
    const grant = { resources: request.resources, items: Scope.of(scopes) };
    const targets = await this.audience.for(client);
    const { response } = await this.minter.mint({
      grantType: this.grantType,
      client,
      user: { id: user.userId, username: user.username },
      grant,
      access: targets.access(targets.pick(grant, []), grant.items, grant.resources),
      ip,
    });
    return {
      access_token: response.access_token,
      token_type: response.token_type,
      expires_in: String(response.expires_in),
      scope: response.scope ?? '',
    };
  }
}
