import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

export interface FeishuPerson {
  openId: string;
  unionId: string;
  name: string;
  email?: string;
}

/**
 * Feishu's open platform as far as Portcullis uses it: the authorize page (it signs in
 * `state.person` at once and redirects back), the v2 token endpoint (code + PKCE S256,
 * single-use refresh tokens, error codes 20049/20064), user_info, and the internal app and
 * tenant token endpoints. Errors as `{code, msg}`; success is `code: 0`.
 */
export async function startFeishuSimulator(appId: string, appSecret: string) {
  const state = {
    person: { openId: 'ou_default', unionId: 'on_default', name: 'Default' } as FeishuPerson,
    calls: { token: 0, refresh: 0, appToken: 0, tenantToken: 0, userInfo: 0 },
    accessTtl: 7200,
  };
  const codes = new Map<string, { person: FeishuPerson; challenge: string; redirectUri: string }>();
  const accessTokens = new Map<string, FeishuPerson>();
  const refreshTokens = new Map<string, FeishuPerson>(); // single-use: deleted when used

  const json = (response: http.ServerResponse, body: object, status = 200) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const issue = (person: FeishuPerson) => {
    const access = `u-${randomBytes(12).toString('hex')}`;
    const refresh = `ur-${randomBytes(12).toString('hex')}`;
    accessTokens.set(access, person);
    refreshTokens.set(refresh, person);
    return {
      code: 0,
      access_token: access,
      expires_in: state.accessTtl,
      refresh_token: refresh,
      refresh_token_expires_in: 604800,
      token_type: 'Bearer',
      scope: 'offline_access',
    };
  };

  const server = http.createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const body = raw ? (JSON.parse(raw) as Record<string, string>) : {};
      const appOk = body.app_id === appId && body.app_secret === appSecret;
      if (url.pathname === '/open-apis/authen/v1/authorize') {
        const code = randomBytes(12).toString('hex');
        if (
          url.searchParams.get('client_id') !== appId ||
          url.searchParams.get('code_challenge_method') !== 'S256'
        ) {
          return json(response, { code: 20001, msg: 'bad authorize request' }, 400);
        }
        codes.set(code, {
          person: state.person,
          challenge: url.searchParams.get('code_challenge') ?? '',
          redirectUri: url.searchParams.get('redirect_uri') ?? '',
        });
        const back = new URL(url.searchParams.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        response.writeHead(302, { location: back.toString() });
        return response.end();
      }
      if (url.pathname === '/open-apis/authen/v2/oauth/token') {
        if (body.client_id !== appId || body.client_secret !== appSecret) {
          return json(
            response,
            { code: 20002, error: 'invalid_client', error_description: 'bad client' },
            400,
          );
        }
        if (body.grant_type === 'authorization_code') {
          state.calls.token++;
          const entry = codes.get(body.code ?? '');
          codes.delete(body.code ?? '');
          if (!entry || entry.redirectUri !== body.redirect_uri)
            return json(
              response,
              { code: 20003, error: 'invalid_grant', error_description: 'bad code' },
              400,
            );
          if (
            createHash('sha256')
              .update(body.code_verifier ?? '')
              .digest('base64url') !== entry.challenge
          ) {
            return json(
              response,
              {
                code: 20049,
                error: 'invalid_grant',
                error_description: 'PKCE verification failed',
              },
              400,
            );
          }
          return json(response, issue(entry.person));
        }
        if (body.grant_type === 'refresh_token') {
          state.calls.refresh++;
          const person = refreshTokens.get(body.refresh_token ?? '');
          if (!person)
            return json(
              response,
              {
                code: 20064,
                error: 'invalid_grant',
                error_description: 'refresh token revoked or used',
              },
              400,
            );
          refreshTokens.delete(body.refresh_token);
          return json(response, issue(person));
        }
        return json(response, { code: 20000, error: 'unsupported_grant_type' }, 400);
      }
      if (url.pathname === '/open-apis/authen/v1/user_info') {
        state.calls.userInfo++;
        const person = accessTokens.get(
          (request.headers.authorization ?? '').replace(/^Bearer /, ''),
        );
        if (!person) return json(response, { code: 99991663, msg: 'invalid access token' }, 401);
        return json(response, {
          code: 0,
          msg: 'success',
          data: {
            open_id: person.openId,
            union_id: person.unionId,
            name: person.name,
            email: person.email ?? '',
          },
        });
      }
      if (
        url.pathname === '/open-apis/auth/v3/app_access_token/internal' ||
        url.pathname === '/open-apis/auth/v3/tenant_access_token/internal'
      ) {
        const kind = url.pathname.includes('tenant') ? 'tenant' : 'app';
        state.calls[kind === 'tenant' ? 'tenantToken' : 'appToken']++;
        if (!appOk) return json(response, { code: 10014, msg: 'app secret invalid' });
        return json(response, {
          code: 0,
          msg: 'ok',
          [`${kind}_access_token`]: `t-${kind}-${randomBytes(8).toString('hex')}`,
          expire: 7200,
        });
      }
      json(response, { code: 404, msg: 'not found' }, 404);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    baseUrl: base,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
