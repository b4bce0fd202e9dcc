import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { presentApi } from '../apis/api.presenter.js';
import { ApisService } from '../apis/apis.service.js';
import { CreateApiDto } from '../apis/dto/create-api.dto.js';
import { UpdateApiDto } from '../apis/dto/update-api.dto.js';
import type { Actor } from '../audit/audit.service.js';
import { CurrentActor } from '../audit/actor.decorator.js';
import { PaginationQuery } from '../common/pagination.query.js';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { AdminTokenGuard } from './admin-token.guard.js';

/** Registered APIs (resource servers, RFC 8707): the audiences tokens can be issued for. */
@ApiTags('admin')
@RequiresLiveToken('admin', AdminTokenGuard)
@Controller('admin/apis')
export class AdminApisController {
  constructor(private readonly apis: ApisService) {}

  @Post()
  async create(@Body() body: CreateApiDto, @CurrentActor() actor: Actor) {
    return presentApi(await this.apis.create(body, actor));
  }

  @Get()
  async list(@Query() query: PaginationQuery) {
    const page = await this.apis.list(query);
    return { ...page, items: page.items.map(presentApi) };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return presentApi(await this.apis.get(id));
  }

  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: UpdateApiDto, @CurrentActor() actor: Actor) {
    return presentApi(await this.apis.update(id, body, actor));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.apis.delete(id, actor);
  }
}
