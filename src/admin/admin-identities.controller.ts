import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { OAuthError } from '../common/oauth-error.js';
import { LinkIdentityDto } from '../upstream/dto/link-identity.dto.js';
import { UpstreamConnectionsService } from '../upstream/upstream-connections.service.js';
import { UpstreamIdentities } from '../upstream/upstream-identities.service.js';
import { UsersService } from '../users/users.service.js';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { AdminTokenGuard } from './admin-token.guard.js';

/** Which upstream identities (Feishu open_ids) sign in as a local user. */
@ApiTags('admin')
@RequiresLiveToken('admin', AdminTokenGuard)
@Controller('admin/users/:id/upstream-identities')
export class AdminIdentitiesController {
  constructor(
    private readonly users: UsersService,
    private readonly connections: UpstreamConnectionsService,
    private readonly identities: UpstreamIdentities,
  ) {}

  @Get()
  async list(@Param('id') id: string) {
    await this.users.get(id);
    return { items: await this.identities.listFor(id) };
  }

  /** Links an identity to this user; it then signs in as them. */
  @Post()
  async link(@Param('id') id: string, @Body() body: LinkIdentityDto) {
    await this.users.get(id);
    await this.connections.get(body.connection);
    await this.identities.link(
      body.connection,
      { openId: body.external_id, unionId: body.union_id ?? null },
      id,
    );
    return { items: await this.identities.listFor(id) };
  }

  @Delete(':connection/:externalId')
  @HttpCode(204)
  async unlink(
    @Param('id') id: string,
    @Param('connection') connection: string,
    @Param('externalId') externalId: string,
  ) {
    await this.users.get(id);
    if (!(await this.identities.unlink(id, connection, externalId)))
      throw OAuthError.notFound('identity link');
  }
}
