import { Controller, Headers, HttpCode, Param, Post, Req, Header } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../../audit/audit.service.js';
import { OAuthError } from '../../common/oauth-error.js';
import { RequiresLiveToken } from '../../tokens/requires-live-token.decorator.js';
import { Principal, type AccessTokenPrincipal } from '@portcullis/nest-resource-server';
import { tokenAnswer } from '../token-answer.js';
import { TokenCache } from '../token-cache.service.js';
import { UpstreamConnectionsService } from '../upstream-connections.service.js';
import { CozeClient } from './coze.client.js';

export const ANY_SESSION_SCOPE = 'upstream:coze:any-session';

/** Brokers Coze access tokens: callers never hold the app's private key. */
@ApiTags('upstream')
@RequiresLiveToken('upstream:coze')
@Controller('upstream/coze')
export class CozeTokenController {
  constructor(
    private readonly connections: UpstreamConnectionsService,
    private readonly cache: TokenCache,
    private readonly coze: CozeClient,
    private readonly audit: AuditService,
  ) {}

  /**
   * A Coze token for the caller's session (its `sub`), or — with scope
   * upstream:coze:any-session — for the session named by `X-User-ID`.
   */
  @Post(':connection/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiHeader({
    name: 'X-User-ID',
    required: false,
    description: `another session; needs ${ANY_SESSION_SCOPE}`,
  })
  async token(
    @Param('connection') name: string,
    @Headers('x-user-id') requestedSession: string | undefined,
    @Principal() principal: AccessTokenPrincipal,
    @Req() request: FastifyRequest,
  ) {
    let session = principal.sub;
    if (requestedSession !== undefined) {
      if (!principal.scopes.includes(ANY_SESSION_SCOPE)) {
        throw OAuthError.bearer(
          'insufficient_scope',
          `X-User-ID needs the scope ${ANY_SESSION_SCOPE}`,
          ANY_SESSION_SCOPE,
        );
      }
      if (!/^[\x21-\x7e]{1,256}$/.test(requestedSession)) {
        throw OAuthError.bearer(
          'invalid_request',
          'X-User-ID must be 1 to 256 printable characters',
        );
      }
      session = requestedSession;
    }
    const connection = await this.connections.load(name, 'coze');
    const value = await this.cache.get(name, session, async () => {
      const minted = await this.coze.mint(connection, session);
      await this.audit.record({
        type: 'upstream.token_minted',
        clientId: principal.clientId,
        ip: request.ip,
        details: { connection: name, provider: 'coze', session },
      });
      return minted;
    });
    return tokenAnswer(value);
  }
}
