import { Controller, Get, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { randomToken, sha256 } from '../common/secrets.js';
import { AppConfig } from '../config/app-config.js';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { AuthorizationRequestsService } from './authorization-requests.service.js';
import { clearCookie, readBrowserSecret, readSignedCookie, setSignedCookie } from './cookies.js';
import type { ExternalSignIn } from './external-sign-in.js';
import { ExternalSignInRegistry } from './external-sign-in-registry.js';
import {
  EXTERNAL_SIGN_IN_TTL_SECONDS,
  ExternalSignInStateStore,
} from './external-sign-in-state.store.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { found, sendPage } from './page-reply.js';
import { PageRoute } from './page-route.js';
import { errorPage } from './pages/error.page.js';
import { SessionsService } from './sessions.service.js';

const STATE_COOKIE = 'portcullis_upstream_state';

/**
 * Sign in with an external identity provider: to its authorize page with `state` and PKCE
 * (S256), back with a code that the provider redeems and resolves to a local user; a session
 * starts, and a pending authorization request goes on.
 */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller('login')
export class ExternalSignInController {
  constructor(
    private readonly providers: ExternalSignInRegistry,
    private readonly signIns: ExternalSignInStateStore,
    private readonly sessions: SessionsService,
    private readonly requests: AuthorizationRequestsService,
    private readonly flow: AuthorizationFlow,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  @Get(':provider/:connection')
  @PageRoute()
  async start(
    @Param('provider') providerName: string,
    @Param('connection') name: string,
    @Query('request') requestId: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const provider = this.provider(providerName);
    const state = randomToken(24);
    const codeVerifier = randomToken(32);
    // First, so that an unknown or disabled connection leaves no row and no cookie behind.
    const location = await provider.authorizeUrl(name, {
      redirectUri: this.callbackUrl(provider, name),
      state,
      codeChallenge: sha256(codeVerifier).toString('base64url'),
    });
    const pending =
      typeof requestId === 'string'
        ? await this.requests.find(requestId, readBrowserSecret(request, this.config.secureCookies))
        : undefined;
    await this.signIns.start({
      state,
      connection: name,
      codeVerifier,
      requestId: pending?.request.id ?? null,
    });
    // Binds the callback to this browser: a code injected into another browser fails here.
    setSignedCookie(reply, STATE_COOKIE, state, {
      secure: this.config.secureCookies,
      maxAge: EXTERNAL_SIGN_IN_TTL_SECONDS,
    });
    return found(reply, location);
  }

  @Get(':provider/:connection/callback')
  @PageRoute()
  async callback(
    @Param('provider') providerName: string,
    @Param('connection') name: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const provider = this.provider(providerName);
    const state = typeof query.state === 'string' ? query.state : '';
    const cookie = readSignedCookie(request, STATE_COOKIE, this.config.secureCookies) ?? '';
    clearCookie(reply, STATE_COOKIE, this.config.secureCookies);
    const signIn = await this.signIns.take(state, cookie, name);
    if (!signIn) {
      return sendPage(
        reply,
        errorPage(
          'Sign-in expired',
          `This ${provider.displayName} sign-in was not started here or has expired. Start again.`,
        ),
        400,
      );
    }
    if (typeof query.code !== 'string' || query.code === '') {
      return sendPage(
        reply,
        errorPage(
          'Sign-in cancelled',
          `${provider.displayName} did not sign you in. Start again to retry.`,
        ),
        400,
      );
    }
    const outcome = await provider.complete(name, {
      code: query.code,
      redirectUri: this.callbackUrl(provider, name),
      codeVerifier: signIn.codeVerifier,
    });
    if (outcome.outcome === 'not_linked') {
      return sendPage(
        reply,
        errorPage(
          'Account not linked',
          `You signed in to ${provider.displayName}, but ${outcome.reason}.`,
        ),
        403,
      );
    }
    await this.sessions.start(outcome.userId, reply);
    await this.audit.record({
      type: 'upstream.sign_in',
      userId: outcome.userId,
      ip: request.ip,
      details: { connection: name, provider: provider.provider, new_user: outcome.created },
    });
    const pending = signIn.requestId
      ? await this.requests.find(
          signIn.requestId,
          readBrowserSecret(request, this.config.secureCookies),
        )
      : undefined;
    if (!pending) return found(reply, '/account/consents');
    const user = { userId: outcome.userId, username: outcome.username, authTime: new Date() };
    return found(reply, await this.flow.next(pending, user, request.ip));
  }

  private provider(name: string): ExternalSignIn {
    const provider = this.providers.get(name);
    if (!provider) throw OAuthError.notFound('sign-in provider');
    return provider;
  }

  private callbackUrl(provider: ExternalSignIn, connection: string): string {
    return `${this.config.issuer}/login/${encodeURIComponent(provider.provider)}/${encodeURIComponent(connection)}/callback`;
  }
}
