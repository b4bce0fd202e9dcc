import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../audit/actor.decorator.js';
import type { Actor } from '../audit/audit.service.js';
import { CreateUpstreamDto } from '../upstream/dto/create-upstream.dto.js';
import { UpdateUpstreamDto } from '../upstream/dto/update-upstream.dto.js';
import { presentConnection } from '../upstream/upstream-connection.presenter.js';
import { UpstreamConnectionsService } from '../upstream/upstream-connections.service.js';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { AdminTokenGuard } from './admin-token.guard.js';

@ApiTags('admin')
@RequiresLiveToken('admin', AdminTokenGuard)
@Controller('admin/upstreams')
export class AdminUpstreamsController {
  constructor(private readonly connections: UpstreamConnectionsService) {}

  @Post()
  async create(@Body() body: CreateUpstreamDto, @CurrentActor() actor: Actor) {
    const { name, provider, ...settings } = body;
    return presentConnection(await this.connections.create(name, provider, settings, actor));
  }

  @Get()
  async list() {
    return { items: (await this.connections.list()).map(presentConnection) };
  }

  @Get(':name')
  async get(@Param('name') name: string) {
    return presentConnection(await this.connections.get(name));
  }

  @Patch(':name')
  async update(
    @Param('name') name: string,
    @Body() body: UpdateUpstreamDto,
    @CurrentActor() actor: Actor,
  ) {
    return presentConnection(await this.connections.update(name, body, actor));
  }

  @Delete(':name')
  @HttpCode(204)
  async delete(@Param('name') name: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.connections.delete(name, actor);
  }
}
