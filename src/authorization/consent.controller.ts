import {
  Body,
  Controller,
  Get,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApisService } from '../apis/apis.service.js';
import { Scope } from '../common/scope.js';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { AuthorizationRequestsService } from './authorization-requests.service.js';
import { CsrfGuard } from './csrf.guard.js';
import { CsrfService } from './csrf.service.js';
import { formOf } from './form.js';
import { expiredPage } from './login.controller.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { PageRoute } from './page-route.js';
import { found, seeOther, sendPage } from './page-reply.js';
import { consentPage } from './pages/consent.page.js';
import { describeScope } from './scope-descriptions.js';
import { SessionsService } from './sessions.service.js';

@ApiExcludeController()
@Controller('consent')
@UseFilters(PageExceptionFilter)
export class ConsentController {
  constructor(
    private readonly csrf: CsrfService,
    private readonly sessions: SessionsService,
    private readonly requests: AuthorizationRequestsService,
    private readonly flow: AuthorizationFlow,
    private readonly apis: ApisService,
  ) {}

  @Get()
  @PageRoute()
  async show(
    @Query('request') requestId: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const pending = await this.requests.find(requestId, this.csrf.presentedSecret(request));
    if (!pending) return sendPage(reply, expiredPage(), 400);
    const user = await this.sessions.current(request);
    if (!user) return found(reply, `/login?request=${encodeURIComponent(pending.request.id)}`);
    const catalog = await this.apis.catalog();
    return sendPage(
      reply,
      consentPage({
        csrfToken: this.csrf.token(request, reply),
        requestId: pending.request.id,
        clientName: pending.client.clientName,
        username: user.username,
        scopes: Scope.stored(pending.request.scope)
          .toArray()
          .map((item) => describeScope(item, catalog)),
      }),
    );
  }

  /** Allow → code and redirect; deny → access_denied. Both 303 (RFC 9700 §4.12). */
  @Post()
  @PageRoute()
  @UseGuards(CsrfGuard)
  async decide(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const form = formOf(body);
    const pending = await this.requests.find(form.request, this.csrf.presentedSecret(request));
    if (!pending) return sendPage(reply, expiredPage(), 400);
    const user = await this.sessions.current(request);
    if (!user) return seeOther(reply, `/login?request=${encodeURIComponent(pending.request.id)}`);
    if (form.decision === 'allow')
      return seeOther(reply, await this.flow.allow(pending, user, request.ip));
    if (form.decision === 'deny') return seeOther(reply, await this.flow.deny(pending));
    return sendPage(reply, expiredPage(), 400);
  }
}
