import { Controller, Get, Query } from '@nestjs/common';
import {
  Principal,
  Public,
  Scopes,
  type AccessTokenPrincipal,
} from '@portcullis/nest-resource-server';

/** Attachments of notes, kept elsewhere than the notes: every route guarded unless @Public(). */
@Controller()
export class AttachmentsController {
  @Public()
  @Get('public')
  hello() {
    return { ok: true };
  }

  /**
   * A note's attachments, and who asked: the subject, the client that called, and the chain
   * of services acting for the subject (`actor`), so a caller can see the delegation.
   */
  @Scopes('attachments:read')
  @Get('attachments')
  list(@Query('note') note: string | undefined, @Principal() principal: AccessTokenPrincipal) {
    const { sub, clientId, actor, scopes, username } = principal;
    return {
      note: note ?? null,
      items: [{ name: `note-${note ?? 'none'}.txt`, owner: sub }],
      caller: { sub, clientId, actor, scopes, username },
    };
  }
}
