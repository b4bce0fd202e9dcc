import { Controller, Header, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../../audit/audit.service.js';
import { OAuthError } from '../../common/oauth-error.js';
import { Principal, type AccessTokenPrincipal } from '@portcullis/nest-resource-server';
import { RequiresLiveToken } from '../../tokens/requires-live-token.decorator.js';
import { tokenAnswer } from '../token-answer.js';
import { TokenCache } from '../token-cache.service.js';
import { UpstreamIdentities } from '../upstream-identities.service.js';
import { UpstreamConnectionsService } from '../upstream-connections.service.js';
import { FeishuClient } from './feishu.client.js';

/** Brokers Feishu tokens: app and tenant tokens, and signed-in users' own tokens. */
@ApiTags('upstream')
@RequiresLiveToken('upstream:feishu')
@Controller('upstream/feishu')
export class FeishuTokenController {
  constructor(
    private readonly connections: UpstreamConnectionsService,
    private readonly cache: TokenCache,
    private readonly feishu: FeishuClient,
    private readonly identities: UpstreamIdentities,
    private readonly audit: AuditService,
  ) {}

  @Post(':connection/tenant-token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  tenant(
    @Param('connection') name: string,
    @Principal() principal: AccessTokenPrincipal,
    @Req() request: FastifyRequest,
  ) {
    return this.appLevel(name, 'tenant', principal, request.ip);
  }

  @Post(':connection/app-token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  app(
    @Param('connection') name: string,
    @Principal() principal: AccessTokenPrincipal,
    @Req() request: FastifyRequest,
  ) {
    return this.appLevel(name, 'app', principal, request.ip);
  }

  /**
   * The signed-in user's own Feishu token, refreshed when due. Feishu refresh tokens are
   * single-use: the successor is stored before the answer, and the cache lets only one
   * request refresh at a time.
   */
  @Post(':connection/user-token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async user(
    @Param('connection') name: string,
    @Principal() principal: AccessTokenPrincipal,
    @Req() request: FastifyRequest,
  ) {
    const connection = await this.connections.load(name, 'feishu');
    if (!principal.username || !(await this.identities.isLinked(name, principal.sub))) {
      throw new OAuthError(
        'invalid_request',
        'this token is not for a user who signed in with Feishu here',
        { status: 403 },
      );
    }
    const value = await this.cache.get(name, `user:${principal.sub}`, async (previous) => {
      if (
        !previous?.refreshToken ||
        (previous.refreshExpiresAt && previous.refreshExpiresAt.getTime() <= Date.now())
      ) {
        throw new OAuthError(
          'invalid_grant',
          'the Feishu sign-in has expired; sign in with Feishu again',
          { status: 409 },
        );
      }
      const refreshed = await this.feishu.refresh(connection, previous.refreshToken);
      await this.audit.record({
        type: 'upstream.token_minted',
        clientId: principal.clientId,
        userId: principal.sub,
        ip: request.ip,
        details: { connection: name, provider: 'feishu', kind: 'user', refreshed: true },
      });
      return refreshed;
    });
    return tokenAnswer(value);
  }

  private async appLevel(
    name: string,
    kind: 'app' | 'tenant',
    principal: AccessTokenPrincipal,
    ip: string,
  ) {
    const connection = await this.connections.load(name, 'feishu');
    const value = await this.cache.get(name, kind, async () => {
      const minted = await this.feishu.appToken(connection, kind);
      await this.audit.record({
        type: 'upstream.token_minted',
        clientId: principal.clientId,
        ip,
        details: { connection: name, provider: 'feishu', kind },
      });
      return minted;
    });
    return tokenAnswer(value);
  }
}
