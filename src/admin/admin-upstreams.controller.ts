import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../audit/actor.decorator.js';
import type { Actor } from '../audit/audit.service.js';
import { BearerAuthGuard, Scopes } from '../resource-server/index.js';
import { CreateUpstreamDto } from '../upstream/dto/create-upstream.dto.js';
import { UpdateUpstreamDto } from '../upstream/dto/update-upstream.dto.js';
import { presentConnection } from '../upstream/upstream-connection.presenter.js';
import { UpstreamConnectionsService } from '../upstream/upstream-connections.service.js';
import { LiveTokenGuard } from '../tokens/live-token.guard.js';
import { AdminTokenGuard } from './admin-token.guard.js';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(BearerAuthGuard, LiveTokenGuard, AdminTokenGuard)
@Scopes('admin')
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
