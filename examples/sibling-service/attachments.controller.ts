import { Controller, Get, Headers, Param } from '@nestjs/common';
import { Scopes } from '@portcullis/nest-resource-server';
import { DownstreamClient } from './downstream.client.js';

/** A note's attachments, which the storage service keeps: fetched for the caller's user. */
@Controller()
export class AttachmentsController {
  constructor(private readonly downstream: DownstreamClient) {}

  @Scopes('attachments:read')
  @Get('notes/:id/attachments')
  async list(@Param('id') id: string, @Headers('authorization') authorization: string) {
    // The guard has verified this bearer token already; it is the subject token to exchange.
    const subjectToken = authorization.replace(/^Bearer\s+/i, '');
    const storage = await this.downstream.get(
      `/attachments?note=${encodeURIComponent(id)}`,
      subjectToken,
      'attachments:read',
    );
    return { note: id, storage };
  }
}
