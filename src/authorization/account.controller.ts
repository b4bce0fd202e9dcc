import { Body, Controller, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import { TokenRevocation } from '../tokens/token-revocation.service.js';
import { ApisService } from '../apis/apis.service.js';
import { Scope } from '../common/scope.js';
import { ConsentsService } from './consents.service.js';
import { scopeLabel } from './scope-descriptions.js';
import { CsrfGuard } from './csrf.guard.js';
import { CsrfService } from './csrf.service.js';
import { formOf } from './form.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { PageRoute } from './page-route.js';
import { found, seeOther, sendPage } from './page-reply.js';
import { accountConsentsPage } from './pages/account-consents.page.js';
import { SessionsService } from './sessions.service.js';

/** A signed-in user's view of the applications they authorized, and the way to revoke one. */
@ApiExcludeController()
@Controller('account/consents')
@UseFilters(PageExceptionFilter)
export class AccountController {
  constructor(
    private readonly csrf: CsrfService,
    private readonly sessions: SessionsService,
    private readonly consents: ConsentsService,
    private readonly revocation: TokenRevocation,
    private readonly audit: AuditService,
    private readonly apis: ApisService,
  ) {}

  @Get()
  @PageRoute()
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.sessions.current(request);
    if (!user) return found(reply, '/login');
    const [consents, catalog] = await Promise.all([
      this.consents.list(user.userId),
      this.apis.catalog(),
    ]);
    return sendPage(
      reply,
      accountConsentsPage({
        csrfToken: this.csrf.token(request, reply),
        username: user.username,
        consents: consents.map((consent) => ({
          ...consent,
          scope: Scope.stored(consent.scope)
            .toArray()
            .map((item) => scopeLabel(item, catalog))
            .join(' '),
        })),
      }),
    );
  }

  /** Withdraws a consent and revokes the refresh tokens issued under it. */
  @Post('revoke')
  @PageRoute()
  @UseGuards(CsrfGuard)
  async revoke(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const form = formOf(body);
    const user = await this.sessions.current(request);
    if (!user) return seeOther(reply, '/login');
    const clientId = typeof form.client_id === 'string' ? form.client_id : '';
    if (clientId && (await this.consents.revoke(user.userId, clientId))) {
      await this.revocation.revoke({ userId: user.userId, clientId }, 'consent_revoked');
      await this.audit.record({
        type: 'consent.revoked',
        clientId,
        userId: user.userId,
        ip: request.ip,
      });
    }
    return seeOther(reply, '/account/consents');
  }
}
