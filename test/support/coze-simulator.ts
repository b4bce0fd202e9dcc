import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';

export type CozeBehaviour = 'ok' | 'fail-500' | 'slow' | 'refuse';

/**
 * Coze's JWT OAuth token endpoint, checking what Coze checks: an RS256 JWT in
 * `Authorization: Bearer` signed with the registered key (`kid`), `iss` = the app id, `aud`,
 * at most an hour of life, a never-seen `jti`, and `duration_seconds` in 1..86399. Answers
 * `expires_in` as an absolute Unix time, errors as `{error_code, error_message}`.
 */
export async function startCozeSimulator(options: {
  appId: string;
  kid: string;
  publicKey: KeyObject | string;
  audience?: string;
}) {
  const audience = options.audience ?? 'api.coze.cn';
  const publicKey =
    typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey;
  const seenJtis = new Set<string>();
  const state = {
    calls: 0,
    behaviour: 'ok' as CozeBehaviour,
    /** How long a 'slow' answer takes. */
    slowMs: 3000,
    sessions: [] as string[],
    paths: [] as string[],
    /** The W3C `traceparent` header of each call (undefined when there was none). */
    traceparents: [] as (string | undefined)[],
  };

  const refuse = (response: http.ServerResponse, status: number, code: number, message: string) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error_code: code, error_message: message }));
  };

  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      void (async () => {
        state.calls++;
        state.paths.push(request.url ?? '');
        const traceparent = request.headers.traceparent;
        state.traceparents.push(Array.isArray(traceparent) ? traceparent.join() : traceparent);
        if (state.behaviour === 'fail-500') {
          response.writeHead(500, { 'content-type': 'application/json' });
          return response.end(JSON.stringify({ code: 500, msg: 'internal error' }));
        }
        if (state.behaviour === 'slow')
          await new Promise((resolve) => setTimeout(resolve, state.slowMs).unref());
        if (state.behaviour === 'refuse') return refuse(response, 400, 4100, 'app is disabled');
        if (
          request.method !== 'POST' ||
          !/^\/api\/permission\/oauth2\/(account\/[^/]+\/)?token$/.test(request.url ?? '')
        ) {
          return refuse(response, 404, 4004, 'not found');
        }
        const jwt = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
        if (!jwt) return refuse(response, 401, 4101, 'missing bearer JWT');
        try {
          const header = decodeProtectedHeader(jwt);
          if (header.alg !== 'RS256' || header.typ !== 'JWT' || header.kid !== options.kid)
            throw new Error('bad header');
          const { payload } = await jwtVerify(jwt, publicKey, {
            issuer: options.appId,
            audience,
            algorithms: ['RS256'],
          });
          if (typeof payload.jti !== 'string' || seenJtis.has(payload.jti))
            throw new Error('jti replayed');
          if (!payload.iat || !payload.exp || payload.exp - payload.iat > 3600)
            throw new Error('lifetime over an hour');
          seenJtis.add(payload.jti);
          const parsed = JSON.parse(body) as { duration_seconds?: number; grant_type?: string };
          if (parsed.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
            throw new Error('bad grant_type');
          const duration = parsed.duration_seconds ?? 900;
          if (!Number.isInteger(duration) || duration < 1 || duration > 86399)
            throw new Error('bad duration_seconds');
          state.sessions.push(String(payload.session_name));
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({
              access_token: `czs_${randomBytes(16).toString('hex')}`,
              token_type: 'Bearer',
              expires_in: Math.floor(Date.now() / 1000) + duration,
            }),
          );
        } catch (error) {
          refuse(response, 401, 4102, `invalid JWT: ${(error as Error).message}`);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    tokenEndpoint: `http://127.0.0.1:${port}/api/permission/oauth2/token`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
