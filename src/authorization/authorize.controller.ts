import { Controller, Get, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Client } from '../clients/client.entity.js';
import { asOAuthError } from '../common/error-response.js';
import { Scope } from '../common/scope.js';
import { AppConfig } from '../config/app-config.js';
import { AuthorizationFlow, type AnswerTarget } from './authorization-flow.service.js';
import type { AuthorizationRequest } from './authorization-request.entity.js';
import { AuthorizationRequestsService } from './authorization-requests.service.js';
import { checkPromptNone, checkPushedRequestRequired, promptsLogin } from './checks/index.js';
import { ConsentsService } from './consents.service.js';
import { CsrfService } from './csrf.service.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { PageRoute } from './page-route.js';
import { found } from './page-reply.js';
import { PushedAuthorizationRequests } from './pushed-authorization-requests.service.js';
import { SessionsService, type SignedInUser } from './sessions.service.js';

@Controller('oauth')
@UseFilters(PageExceptionFilter)
export class AuthorizeController {
  constructor(
    private readonly requests: AuthorizationRequestsService,
    private readonly pushed: PushedAuthorizationRequests,
    private readonly flow: AuthorizationFlow,
    private readonly sessions: SessionsService,
    private readonly consents: ConsentsService,
    private readonly csrf: CsrfService,
    private readonly config: AppConfig,
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
    if (query.request_uri !== undefined) return this.authorizePushed(query, request, reply);
    // Until client and redirect URI are trusted, a refusal is a page (PageExceptionFilter).
    const parsed = await this.requests.identify(query);
    const target = {
      redirectUri: parsed.redirectUri,
      responseType: parsed.responseType,
      state: parsed.state ?? null,
    };
    return this.answer(request, reply, target, async () => {
      checkPushedRequestRequired(parsed.client, this.config.requirePushedRequests);
      const validated = await this.requests.validate(parsed, query);
      const user = await this.promptedUser(validated, parsed.client, request);
      // Stored only once nothing can refuse it any more.
      await this.requests.store(validated, this.csrf.browserSecret(request, reply));
      return this.flow.next({ request: validated, client: parsed.client }, user, request.ip);
    });
  }

  /**
   * RFC 9126 §4: the request a client pushed, taken once by its request_uri and bound to this
   * browser. Parameters sent alongside, but client_id, are ignored (RFC 9101 §5): the pushed
   * request, checked when it was pushed, is the request.
   */
  private async authorizePushed(
    query: Record<string, unknown>,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    const client = await this.requests.identifyClient(query);
    const pushed = await this.pushed.take(
      client,
      query.request_uri,
      this.csrf.browserSecret(request, reply),
    );
    return this.answer(request, reply, pushed, async () => {
      try {
        const user = await this.promptedUser(pushed, client, request);
        return await this.flow.next({ request: pushed, client }, user, request.ip);
      } catch (error) {
        // Taken but refused (prompt=none without a session, say): nothing is left behind.
        await this.requests.finish(pushed.id);
        throw error;
      }
    });
  }

  /**
   * OpenID Connect Core §3.1.2.1: the signed-in user, unless prompt=login asks for a new
   * sign-in; prompt=none refuses a request a page would have to answer.
   */
  private async promptedUser(
    pending: AuthorizationRequest,
    client: Client,
    request: FastifyRequest,
  ): Promise<SignedInUser | undefined> {
    const prompt = pending.prompt ?? undefined;
    const user = promptsLogin(prompt) ? undefined : await this.sessions.current(request);
    await checkPromptNone(prompt, user, ({ userId }) =>
      this.consents.covers(userId, client.clientId, Scope.stored(pending.scope)),
    );
    return user;
  }

  /**
   * Sends the browser where `next` says. From here on, every refusal goes back to the
   * (trusted) redirect URI; so does an input the database refused (a NUL in state, say), and
   * a failure of ours as server_error.
   */
  private async answer(
    request: FastifyRequest,
    reply: FastifyReply,
    target: AnswerTarget,
    next: () => Promise<string>,
  ): Promise<FastifyReply> {
    try {
      return found(reply, await next());
    } catch (thrown) {
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
