import { Injectable } from '@nestjs/common';
import type { UpstreamTokenValue } from '../token-cache.service.js';
import { upstreamUnavailable, UpstreamRefusal } from '../upstream-error.js';
import { UpstreamHttp } from '../upstream-http.js';
import type { LoadedConnection } from '../upstream-connections.service.js';

export interface FeishuUser {
  openId: string;
  unionId: string | null;
  name: string | null;
  email: string | null;
}

const seconds = (value: unknown) => (typeof value === 'number' ? value : 0);

/**
 * Feishu / Lark open platform calls. Errors come as `{code, msg}` (the v2 token endpoint adds
 * `error`/`error_description`); success is `code == 0`, whatever the HTTP status says.
 * Expiries are relative (`expire`, `expires_in`, `refresh_token_expires_in`).
 */
@Injectable()
export class FeishuClient {
  constructor(private readonly http: UpstreamHttp) {}

  authorizeUrl(
    connection: LoadedConnection,
    redirectUri: string,
    state: string,
    codeChallenge: string,
  ): string {
    const url = new URL(
      `${String(connection.settings.accounts_url)}/open-apis/authen/v1/authorize`,
    );
    url.search = new URLSearchParams({
      client_id: String(connection.settings.app_id),
      redirect_uri: redirectUri,
      response_type: 'code',
      state,
      scope: 'offline_access',
      code_challenge: codeChallenge,
      code_challenge_method: 'S256', // Feishu's default would be plain
    }).toString();
    return url.toString();
  }

  /** `app_access_token` or `tenant_access_token` of a self-built (internal) app. */
  async appToken(
    connection: LoadedConnection,
    kind: 'app' | 'tenant',
  ): Promise<UpstreamTokenValue> {
    const body = await this.call(connection, `/open-apis/auth/v3/${kind}_access_token/internal`, {
      app_id: connection.settings.app_id,
      app_secret: connection.secrets.app_secret,
    });
    const token = body[`${kind}_access_token`];
    if (typeof token !== 'string') throw upstreamUnavailable(`Feishu gave no ${kind}_access_token`);
    return { token, expiresAt: new Date(Date.now() + seconds(body.expire) * 1000) };
  }

  exchangeCode(
    connection: LoadedConnection,
    code: string,
    redirectUri: string,
    codeVerifier: string,
  ): Promise<UpstreamTokenValue> {
    return this.userToken(connection, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: codeVerifier,
    });
  }

  /** Feishu refresh tokens are single-use: the answer carries the next one. */
  refresh(connection: LoadedConnection, refreshToken: string): Promise<UpstreamTokenValue> {
    return this.userToken(connection, { grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async userInfo(connection: LoadedConnection, userAccessToken: string): Promise<FeishuUser> {
    const { body } = await this.http.request(
      'feishu',
      `${String(connection.settings.base_url)}/open-apis/authen/v1/user_info`,
      {
        method: 'GET',
        headers: { authorization: `Bearer ${userAccessToken}`, accept: 'application/json' },
      },
    );
    this.assertOk(body);
    const data = (body.data ?? {}) as Record<string, unknown>;
    if (typeof data.open_id !== 'string')
      throw upstreamUnavailable('Feishu user_info has no open_id');
    const text = (value: unknown) => (typeof value === 'string' && value ? value : null);
    return {
      openId: data.open_id,
      unionId: text(data.union_id),
      name: text(data.name),
      email: text(data.email),
    };
  }

  private async userToken(
    connection: LoadedConnection,
    grant: Record<string, string>,
  ): Promise<UpstreamTokenValue> {
    const body = await this.call(connection, '/open-apis/authen/v2/oauth/token', {
      ...grant,
      client_id: connection.settings.app_id,
      client_secret: connection.secrets.app_secret,
    });
    if (typeof body.access_token !== 'string')
      throw upstreamUnavailable('Feishu gave no access_token');
    return {
      token: body.access_token,
      expiresAt: new Date(Date.now() + seconds(body.expires_in) * 1000),
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
      refreshExpiresAt:
        typeof body.refresh_token === 'string'
          ? new Date(Date.now() + seconds(body.refresh_token_expires_in) * 1000)
          : undefined,
    };
  }

  private async call(connection: LoadedConnection, path: string, payload: Record<string, unknown>) {
    const { body } = await this.http.request(
      'feishu',
      `${String(connection.settings.base_url)}${path}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
        body: JSON.stringify(payload),
      },
    );
    this.assertOk(body);
    return body;
  }

  private assertOk(body: Record<string, unknown>): void {
    const code = body.code;
    if (code === 0 || (code === undefined && body.error === undefined)) return;
    const message = [body.msg, body.error_description, body.error].find(
      (m): m is string => typeof m === 'string',
    );
    throw new UpstreamRefusal(
      typeof code === 'number' || typeof code === 'string' ? code : 'unknown',
      message ?? '',
    );
  }
}
