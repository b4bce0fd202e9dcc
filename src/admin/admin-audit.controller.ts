import { Controller, Get, Headers, Query, StreamableFile } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { presentAuditEvent } from '../audit/audit-event.presenter.js';
import { AuditService, type AuditFilter } from '../audit/audit.service.js';
import { AuditEventsQuery } from '../audit/dto/audit-events.query.js';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { AdminTokenGuard } from './admin-token.guard.js';

const NDJSON = 'application/x-ndjson';

@ApiTags('admin')
@RequiresLiveToken('admin', AdminTokenGuard)
@Controller('admin/audit-events')
export class AdminAuditController {
  constructor(private readonly audit: AuditService) {}

  /**
   * Newest first, filtered by type, client, user and time; or, as NDJSON (`?format=ndjson` or
   * `Accept: application/x-ndjson`), every matching event oldest first, streamed, for archiving.
   */
  @Get()
  @ApiProduces('application/json', NDJSON)
  async list(@Query() query: AuditEventsQuery, @Headers('accept') accept?: string) {
    const filter: AuditFilter = {
      type: query.type,
      clientId: query.client_id,
      userId: query.user_id,
      since: query.since ? new Date(query.since) : undefined,
      until: query.until ? new Date(query.until) : undefined,
    };
    const ndjson = query.format === 'ndjson' || (!query.format && accept?.includes(NDJSON));
    if (ndjson) return new StreamableFile(Readable.from(this.lines(filter)), { type: NDJSON });
    const page = await this.audit.list(filter, query);
    return { ...page, items: page.items.map(presentAuditEvent) };
  }

  /** One chunk per batch read, so the client receives rows while the next batch is read. */
  private async *lines(filter: AuditFilter): AsyncGenerator<string> {
    for await (const batch of this.audit.export(filter))
      yield batch.map((event) => `${JSON.stringify(presentAuditEvent(event))}\n`).join('');
  }
}
