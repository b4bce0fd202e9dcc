import { Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { createPrivateKey } from 'node:crypto';
import { randomToken } from '../../common/secrets.js';
import type { UpstreamTokenValue } from '../token-cache.service.js';
import { upstreamUnavailable, UpstreamRefusal } from '../upstream-error.js';
import { UpstreamHttp } from '../upstream-http.js';
import type { LoadedConnection } from '../upstream-connections.service.js';

export const COZE_JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * Coze's JWT OAuth for service apps: a fresh RS256 JWT per token (single-use jti), sent as
 * `Authorization: Bearer` with a JSON body. Coze answers `expires_in` as an absolute Unix time
 * and issues no refresh token.
 */
@Injectable()
export class CozeClient {
  constructor(private readonly http: UpstreamHttp) {}

  async mint(connection: LoadedConnection, sessionName: string): Promise<UpstreamTokenValue> {
    const { client_id, kid, audience, token_endpoint, token_duration, account_id } =
      connection.settings as Record<string, string> & Record<'token_duration', number>;
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ session_name: sessionName })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(client_id)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .setJti(randomToken(16))
      .sign(createPrivateKey(connection.secrets.private_key));
    const endpoint = account_id
      ? `${new URL(token_endpoint).origin}/api/permission/oauth2/account/${encodeURIComponent(account_id)}/token`
      : token_endpoint;
    const { status, body } = await this.http.request('coze', endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${assertion}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ duration_seconds: token_duration, grant_type: COZE_JWT_GRANT }),
    });
    if (
      status === 200 &&
      typeof body.access_token === 'string' &&
      typeof body.expires_in === 'number'
    ) {
      return { token: body.access_token, expiresAt: new Date(body.expires_in * 1000) };
    }
    // {error_code, error_message} on the OAuth endpoint, {code, msg} elsewhere.
    const code = body.error_code ?? body.code;
    const message = body.error_message ?? body.msg ?? body.error_description ?? body.error;
    if (code !== undefined || message !== undefined) {
      throw new UpstreamRefusal(
        typeof code === 'number' || typeof code === 'string' ? code : 'unknown',
        typeof message === 'string' ? message : '',
      );
    }
    throw upstreamUnavailable(`Coze answered ${status} without a token`);
  }
}
