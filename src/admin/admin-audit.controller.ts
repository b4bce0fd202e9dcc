import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { presentAuditEvent } from '../audit/audit-event.presenter.js';
import { AuditService } from '../audit/audit.service.js';
import { AuditEventsQuery } from '../audit/dto/audit-events.query.js';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { AdminTokenGuard } from './admin-token.guard.js';

@ApiTags('admin')
@RequiresLiveToken('admin', AdminTokenGuard)
@Controller('admin/audit-events')
export class AdminAuditController {
  constructor(private readonly audit: AuditService) {}

  /** Newest first, filtered by type, client, user and time. */
  @Get()
  async list(@Query() query: AuditEventsQuery) {
    const page = await this.audit.list(
      {
        type: query.type,
        clientId: query.client_id,
        userId: query.user_id,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
      },
      query.limit,
      query.offset,
    );
    return { ...page, items: page.items.map(presentAuditEvent) };
  }
}
