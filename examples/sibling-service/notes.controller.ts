import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  AnyScope,
  Principal,
  Public,
  Scopes,
  type AccessTokenPrincipal,
} from '@portcullis/nest-resource-server';

/** A tiny notes API: every route is guarded (globally) unless marked @Public(). */
@Controller()
export class NotesController {
  private readonly notes: { id: number; text: string; author: string }[] = [];

  @Public()
  @Get('public')
  hello() {
    return { ok: true };
  }

  @Scopes('notes:read')
  @Get('notes')
  list() {
    return { items: this.notes };
  }

  @Scopes('notes:write')
  @Post('notes')
  @HttpCode(201)
  create(@Body() body: { text?: unknown }, @Principal() principal: AccessTokenPrincipal) {
    const text = typeof body?.text === 'string' ? body.text : '';
    const note = { id: this.notes.length + 1, text, author: principal.sub };
    this.notes.push(note);
    return note;
  }

  @AnyScope('notes:read', 'notes:write')
  @Get('me')
  me(@Principal() principal: AccessTokenPrincipal) {
    const { sub, clientId, scopes, username, sessionName } = principal;
    return { sub, clientId, scopes, username, sessionName };
  }
}
