import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PaginationQuery } from '../common/pagination.query.js';
import type { Actor } from '../audit/audit.service.js';
import { CurrentActor } from '../audit/actor.decorator.js';
import { CreateUserDto } from '../users/dto/create-user.dto.js';
import { UpdateUserDto } from '../users/dto/update-user.dto.js';
import { presentUser } from '../users/user.presenter.js';
import { UsersService } from '../users/users.service.js';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { Disablement } from './disablement.service.js';

@ApiTags('admin')
@RequiresLiveToken('admin', AdminTokenGuard)
@Controller('admin/users')
export class AdminUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly disablement: Disablement,
  ) {}

  @Post()
  async create(@Body() body: CreateUserDto, @CurrentActor() actor: Actor) {
    return presentUser(await this.users.create(body, actor));
  }

  @Get()
  async list(@Query() query: PaginationQuery) {
    const page = await this.users.list(query);
    return { ...page, items: page.items.map(presentUser) };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return presentUser(await this.users.get(id));
  }

  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: UpdateUserDto, @CurrentActor() actor: Actor) {
    return presentUser(await this.users.update(id, body, actor));
  }

  /** Refuses the user from now on and ends what they hold; enabling them revives none of it. */
  @Post(':id/disable')
  @HttpCode(200)
  async disable(@Param('id') id: string, @CurrentActor() actor: Actor) {
    return presentUser(await this.disablement.disableUser(id, actor));
  }

  @Post(':id/enable')
  @HttpCode(200)
  async enable(@Param('id') id: string, @CurrentActor() actor: Actor) {
    return presentUser(await this.users.setDisabled(id, false, actor));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.users.delete(id, actor);
  }
}
