import { Controller, Get, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { asOAuthError } from '../common/error-response.js';
import { Scope } from '../common/scope.js';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { AuthorizationRequestsService } from './authorization-requests.service.js';
import { checkPromptNone, promptsLogin } from './checks/index.js';
import { ConsentsService } from './consents.service.js';
import { CsrfService } from './csrf.service.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { PageRoute } from './page-route.js';
import { found } from './page-reply.js';
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
    // Until client and redirect URI are trusted, a refusal is a page (PageExceptionFilter).
    const parsed = await this.requests.identify(query);
    const target = {
      redirectUri: parsed.redirectUri,
      responseType: parsed.responseType,
      state: parsed.state ?? null,
    };
    try {
      const validated = await this.requests.validate(parsed, query);
      const user = promptsLogin(parsed.prompt) ? undefined : await this.sessions.current(request);
      await checkPromptNone(parsed.prompt, user, ({ userId }) =>
        this.consents.covers(userId, parsed.client.clientId, Scope.stored(validated.scope)),
      );
      // Stored only once nothing can refuse it any more.
      await this.requests.store(validated, this.csrf.browserSecret(request, reply));
      const pending = { request: validated, client: parsed.client };
      return found(reply, await this.flow.next(pending, user, request.ip));
    } catch (thrown) {
      // From here on, every refusal goes back to the (trusted) redirect URI; so does an input
      // the database refused (a NUL in state, say), and a failure of ours as server_error.
      const error = asOAuthError(thrown);
      if (error.status < 500) {
        return found(reply, this.flow.errorLocation(target, error.error, error.description));
      }
      request.log.error(thrown);
      return found(
        reply,
        this.flow.errorLocation(target, 'server_error', 'the server could not handle the request'),
      );
    }
  }
}
