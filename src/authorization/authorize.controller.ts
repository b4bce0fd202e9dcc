import { Controller, Get, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from '../common/error-response.js';
import { AuthorizationPageError, AuthorizationRedirectError } from './authorization-errors.js';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { AuthorizationRequestsService } from './authorization-requests.service.js';
import { checkPromptNone, promptsLogin } from './checks/index.js';
import { ConsentsService } from './consents.service.js';
import { CsrfService } from './csrf.service.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { PageRoute } from './page-route.js';
import { found, sendPage } from './page-reply.js';
import { errorPage } from './pages/error.page.js';
import { SessionsService } from './sessions.service.js';

@Controller('oauth')
@UseFilters(PageExceptionFilter)
export class AuthorizeController {
  constructor(
    private readonly requests: AuthorizationRequestsService,
    private readonly flow: AuthorizationFlow,
    private readonly sessions: SessionsService,
    private readonly consents: ConsentsService,
    private readonly csrf: CsrfService,
  ) {}

  /** RFC 6749 §4.1.1: validate, store, and send the browser on to login, consent or the client. */
  @Get('authorize')
  @PageRoute()
  @ApiExcludeEndpoint()
  async authorize(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    let parsed;
    try {
      parsed = await this.requests.identify(query);
    } catch (error) {
      if (error instanceof AuthorizationPageError)
        return sendPage(reply, errorPage(error.title, error.message), 400);
      throw error;
    }
    const target = {
      redirectUri: parsed.redirectUri,
      responseType: parsed.responseType,
      state: parsed.state ?? null,
    };
    try {
      const validated = this.requests.validate(parsed, query);
      const user = promptsLogin(parsed.prompt) ? undefined : await this.sessions.current(request);
      await checkPromptNone(parsed.prompt, user, ({ userId }) =>
        this.consents.covers(
          userId,
          parsed.client.clientId,
          validated.scope.split(' ').filter(Boolean),
        ),
      );
      // Stored only once nothing can refuse it any more.
      await this.requests.store(validated, this.csrf.browserSecret(request, reply));
      const pending = { request: validated, client: parsed.client };
      return found(reply, await this.flow.next(pending, user, request.ip));
    } catch (error) {
      if (error instanceof AuthorizationRedirectError) {
        return found(reply, this.flow.errorLocation(target, error.error, error.description));
      }
      // Anything else still goes back to the (verified) client: as invalid_request when the
      // input was at fault (a NUL in state, say), as server_error otherwise.
      const { status, body } = toErrorResponse(error);
      if (status < 500) {
        return found(reply, this.flow.errorLocation(target, body.error, body.error_description));
      }
      request.log.error(error);
      return found(
        reply,
        this.flow.errorLocation(target, 'server_error', 'the server could not handle the request'),
      );
    }
  }
}
