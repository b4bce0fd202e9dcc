import {
  Body,
  Controller,
  Get,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LoginLockedError } from '../users/login-locked.error.js';
import {
  BadCredentialsError,
  PasswordAuthenticator,
} from '../users/password-authenticator.service.js';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { AuthorizationRequestsService } from './authorization-requests.service.js';
import { CsrfGuard } from './csrf.guard.js';
import { CsrfService } from './csrf.service.js';
import { ExternalSignInRegistry } from './external-sign-in-registry.js';
import { formOf } from './form.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { PageRoute } from './page-route.js';
import { seeOther, sendPage } from './page-reply.js';
import { errorPage } from './pages/error.page.js';
import { loginPage } from './pages/login.page.js';
import { SessionsService } from './sessions.service.js';

type Form = Record<string, unknown>;
const text = (form: Form, name: string) =>
  typeof form[name] === 'string' ? form[name] : undefined;
const BAD_CREDENTIALS = 'Incorrect username or password.';

@ApiExcludeController()
@Controller()
@UseFilters(PageExceptionFilter)
export class LoginController {
  constructor(
    private readonly csrf: CsrfService,
    private readonly sessions: SessionsService,
    private readonly requests: AuthorizationRequestsService,
    private readonly flow: AuthorizationFlow,
    private readonly passwords: PasswordAuthenticator,
    private readonly externalSignIns: ExternalSignInRegistry,
  ) {}

  @Get('login')
  @PageRoute()
  async show(
    @Query('request') requestId: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const pending =
      requestId === undefined
        ? undefined
        : await this.requests.find(requestId, this.csrf.presentedSecret(request));
    if (requestId !== undefined && !pending) return sendPage(reply, expiredPage(), 400);
    return sendPage(
      reply,
      loginPage({
        csrfToken: this.csrf.token(request, reply),
        requestId: pending?.request.id,
        clientName: pending?.client.clientName,
        alternatives: await this.externalSignIns.links(pending?.request.id),
      }),
    );
  }

  /** The same checks, throttling and audit as the password grant; a new session on success. */
  @Post('login')
  @PageRoute()
  @UseGuards(CsrfGuard)
  async submit(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const form = formOf(body);
    const requestId = text(form, 'request');
    const pending =
      requestId === undefined
        ? undefined
        : await this.requests.find(requestId, this.csrf.presentedSecret(request));
    if (requestId !== undefined && !pending) return sendPage(reply, expiredPage(), 400);
    const username = text(form, 'username') ?? '';
    const password = text(form, 'password') ?? '';
    const again = (error: string, status: number) =>
      sendPage(
        reply,
        loginPage({
          csrfToken: this.csrf.token(request, reply),
          requestId: pending?.request.id,
          clientName: pending?.client.clientName,
          username: username.slice(0, 128),
          error,
        }),
        status,
      );
    if (!username || !password) return again(BAD_CREDENTIALS, 400);

    let user;
    try {
      user = await this.passwords.authenticate({
        username,
        password,
        ip: request.ip,
        clientId: pending?.client.clientId,
        via: 'login_page',
      });
    } catch (error) {
      if (error instanceof BadCredentialsError) return again(BAD_CREDENTIALS, 401);
      if (error instanceof LoginLockedError) {
        void reply.header('Retry-After', error.headers['Retry-After']);
        return again('Too many failed attempts. Try again later.', 429);
      }
      // The address's rate (and anything else) is the error page's.
      throw error;
    }
    await this.sessions.start(user.id, reply);
    if (!pending) return seeOther(reply, '/account/consents');
    const signedIn = { userId: user.id, username: user.username, authTime: new Date() };
    return seeOther(reply, await this.flow.next(pending, signedIn, request.ip));
  }

  @Post('logout')
  @PageRoute()
  @UseGuards(CsrfGuard)
  async logout(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    await this.sessions.end(request, reply);
    return seeOther(reply, '/login');
  }
}

export function expiredPage(): string {
  return errorPage(
    'Request expired',
    'This sign-in request has expired or was already used. Start again from the application.',
  );
}
