import { Controller, Get, OnModuleInit, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AuthorizationFlow } from '../../authorization/authorization-flow.service.js';
import { AuthorizationRequestsService } from '../../authorization/authorization-requests.service.js';
import {
  clearCookie,
  readBrowserSecret,
  readSignedCookie,
  setSignedCookie,
} from '../../authorization/cookies.js';
import { PageExceptionFilter } from '../../authorization/page-exception.filter.js';
import { found, sendPage } from '../../authorization/page-reply.js';
import { PageRoute } from '../../authorization/page-route.js';
import { errorPage } from '../../authorization/pages/error.page.js';
import { SessionsService } from '../../authorization/sessions.service.js';
import { SignInOptions } from '../../authorization/sign-in-options.js';
import { randomToken, sha256 } from '../../common/secrets.js';
import { AppConfig } from '../../config/app-config.js';
import { KeyEncryption } from '../../keys/key-encryption.js';
import { TokenCache } from '../token-cache.service.js';
import { NotLinkedError, UpstreamIdentities } from '../upstream-identities.service.js';
import { UpstreamConnectionsService } from '../upstream-connections.service.js';
import { FeishuClient } from './feishu.client.js';

const STATE_COOKIE = 'portcullis_upstream_state';
const SIGN_IN_TTL_SECONDS = 600;

/**
 * Sign in with Feishu: to Feishu's authorize page with `state` and PKCE (S256), back with a
 * code, exchanged for the user's tokens (kept, encrypted, for brokering); the Feishu identity
 * is linked to a local user, a session starts, and a pending authorization request goes on.
 */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller('login/feishu')
export class FeishuSignInController implements OnModuleInit {
  constructor(
    private readonly connections: UpstreamConnectionsService,
    private readonly feishu: FeishuClient,
    private readonly identities: UpstreamIdentities,
    private readonly cache: TokenCache,
    private readonly sessions: SessionsService,
    private readonly requests: AuthorizationRequestsService,
    private readonly flow: AuthorizationFlow,
    private readonly signInOptions: SignInOptions,
    private readonly encryption: KeyEncryption,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Offers every enabled Feishu connection on the login page. */
  onModuleInit(): void {
    this.signInOptions.register({
      links: async (requestId) =>
        (await this.connections.list())
          .filter((c) => c.provider === 'feishu' && c.enabled)
          .map((c) => ({
            label: `Sign in with Feishu${c.name === 'feishu' ? '' : ` (${c.name})`}`,
            href: `/login/feishu/${encodeURIComponent(c.name)}${requestId ? `?request=${encodeURIComponent(requestId)}` : ''}`,
          })),
    });
  }

  @Get(':connection')
  @PageRoute()
  async start(
    @Param('connection') name: string,
    @Query('request') requestId: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const connection = await this.connections.load(name, 'feishu');
    const pending =
      typeof requestId === 'string'
        ? await this.requests.find(requestId, readBrowserSecret(request, this.config.secureCookies))
        : undefined;
    const state = randomToken(24);
    const verifier = randomToken(32);
    await this.dataSource.query(
      `INSERT INTO upstream_sign_ins (state_digest, connection, code_verifier_encrypted, request_id, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [
        sha256(state),
        name,
        this.encryption.encrypt(Buffer.from(verifier), `sign-in:${name}`),
        pending?.request.id ?? null,
        SIGN_IN_TTL_SECONDS,
      ],
    );
    // Binds the callback to this browser: a code injected into another browser fails here.
    setSignedCookie(reply, STATE_COOKIE, state, {
      secure: this.config.secureCookies,
      maxAge: SIGN_IN_TTL_SECONDS,
    });
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    return found(
      reply,
      this.feishu.authorizeUrl(connection, this.callbackUrl(name), state, challenge),
    );
  }

  @Get(':connection/callback')
  @PageRoute()
  async callback(
    @Param('connection') name: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const state = typeof query.state === 'string' ? query.state : '';
    const cookie = readSignedCookie(request, STATE_COOKIE, this.config.secureCookies) ?? '';
    clearCookie(reply, STATE_COOKIE, this.config.secureCookies);
    const sameState =
      state.length > 0 &&
      cookie.length === state.length &&
      timingSafeEqual(Buffer.from(cookie), Buffer.from(state));
    const [signIn] = sameState
      ? await this.dataSource.query<
          { code_verifier_encrypted: Buffer; request_id: string | null }[]
        >(
          `WITH used AS (DELETE FROM upstream_sign_ins WHERE state_digest = $1 AND connection = $2 AND expires_at > now()
             RETURNING code_verifier_encrypted, request_id) SELECT * FROM used`,
          [sha256(state), name],
        )
      : [];
    if (!signIn) {
      return sendPage(
        reply,
        errorPage(
          'Sign-in expired',
          'This Feishu sign-in was not started here or has expired. Start again.',
        ),
        400,
      );
    }
    if (typeof query.code !== 'string' || query.code === '') {
      return sendPage(
        reply,
        errorPage('Sign-in cancelled', 'Feishu did not sign you in. Start again to retry.'),
        400,
      );
    }
    const connection = await this.connections.load(name, 'feishu');
    const verifier = this.encryption
      .decrypt(signIn.code_verifier_encrypted, `sign-in:${name}`)
      .toString('utf8');
    const tokens = await this.feishu.exchangeCode(
      connection,
      query.code,
      this.callbackUrl(name),
      verifier,
    );
    const identity = await this.feishu.userInfo(connection, tokens.token);
    let resolved: { userId: string; username: string; created: boolean };
    try {
      resolved = await this.identities.resolve(connection, identity);
    } catch (error) {
      if (error instanceof NotLinkedError) {
        return sendPage(
          reply,
          errorPage('Account not linked', `You signed in to Feishu, but ${error.message}.`),
          403,
        );
      }
      throw error;
    }
    await this.cache.put(name, `user:${resolved.userId}`, tokens);
    await this.sessions.start(resolved.userId, reply);
    await this.audit.record({
      type: 'upstream.sign_in',
      userId: resolved.userId,
      ip: request.ip,
      details: { connection: name, provider: 'feishu', new_user: resolved.created },
    });
    const pending = signIn.request_id
      ? await this.requests.find(
          signIn.request_id,
          readBrowserSecret(request, this.config.secureCookies),
        )
      : undefined;
    if (!pending) return found(reply, '/account/consents');
    const user = { userId: resolved.userId, username: resolved.username, authTime: new Date() };
    return found(reply, await this.flow.next(pending, user, request.ip));
  }

  private callbackUrl(name: string): string {
    return `${this.config.issuer}/login/feishu/${encodeURIComponent(name)}/callback`;
  }
}
