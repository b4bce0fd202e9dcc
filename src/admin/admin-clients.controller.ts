import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { presentClient, presentClientWithSecret } from '../clients/client.presenter.js';
import { ClientsService } from '../clients/clients.service.js';
import { CreateClientDto } from '../clients/dto/create-client.dto.js';
import { UpdateClientDto } from '../clients/dto/update-client.dto.js';
import { PaginationQuery } from '../common/pagination.query.js';
import type { Actor } from '../audit/audit.service.js';
import { CurrentActor } from '../audit/actor.decorator.js';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { Disablement } from './disablement.service.js';

@ApiTags('admin')
@RequiresLiveToken('admin', AdminTokenGuard)
@Controller('admin/clients')
export class AdminClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly disablement: Disablement,
  ) {}

  /** Registers a client; a confidential client's secret is in this answer only. */
  @Post()
  async create(@Body() body: CreateClientDto, @CurrentActor() actor: Actor) {
    const { client, secret } = await this.clients.create(body, actor);
    return presentClientWithSecret(client, secret);
  }

  @Get()
  async list(@Query() query: PaginationQuery) {
    const page = await this.clients.list(query);
    return { ...page, items: page.items.map(presentClient) };
  }

  @Get(':clientId')
  async get(@Param('clientId') clientId: string) {
    return presentClient(await this.clients.get(clientId));
  }

  @Patch(':clientId')
  async update(
    @Param('clientId') clientId: string,
    @Body() body: UpdateClientDto,
    @CurrentActor() actor: Actor,
  ) {
    const { client, secret } = await this.clients.update(clientId, body, actor);
    return presentClientWithSecret(client, secret);
  }

  /** Refuses the client from now on and ends what it holds; enabling it revives none of it. */
  @Post(':clientId/disable')
  @HttpCode(200)
  async disable(@Param('clientId') clientId: string, @CurrentActor() actor: Actor) {
    return presentClient(await this.disablement.disableClient(clientId, actor));
  }

  @Post(':clientId/enable')
  @HttpCode(200)
  async enable(@Param('clientId') clientId: string, @CurrentActor() actor: Actor) {
    return presentClient(await this.clients.setDisabled(clientId, false, actor));
  }

  /** Issues a new secret; the old one stops working at once. */
  @Post(':clientId/secret')
  @HttpCode(200)
  async rotateSecret(@Param('clientId') clientId: string, @CurrentActor() actor: Actor) {
    const { client, secret } = await this.clients.rotateSecret(clientId, actor);
    return presentClientWithSecret(client, secret);
  }

  @Delete(':clientId')
  @HttpCode(204)
  async delete(@Param('clientId') clientId: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.clients.delete(clientId, actor);
  }
}
