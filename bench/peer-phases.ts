/**
 * The peers' phases: each peer server started afresh on the server core, measured in the rows it
 * takes part in, and stopped (bench/peers/README.md says what each one is).
 */
import { tempPath } from './cleanup.js';
import { basic, call, expectStatus } from './http.js';
import { measure, stopServer } from './load-driver.js';
import { freePort, runNode, startNode, type Started } from './processes.js';
import { RefreshChains, countChains } from './refresh-chains.js';
import { FORM, passwordGrantMinter, roundRobinPasswordBody } from './requests.js';
import { entry, measured } from './scenarios.js';
import { ARGON2_CONCURRENCY, dist, ROWS, SECONDS, SERVER_CORE } from './settings.js';

const PRODUCTION = { NODE_ENV: 'production' };

/** Starts a peer (or the sibling service) from dist/ on the server core, as production runs it. */
export async function startPeer(
  file: string,
  env: Record<string, string>,
  readyPath: string,
  name: string,
): Promise<Started> {
  const port = String(await freePort());
  return startNode(dist(file), { ...PRODUCTION, PORT: port, ...env }, readyPath, SERVER_CORE, {
    logFile: tempPath(`${name}.log`),
  });
}

export async function barePhase(): Promise<void> {
  const server = await startPeer('bench/peers/bare-nest.peer.js', {}, '/ping', 'bare-nest');
  try {
    await measure(
      'cc/bare',
      { url: server.baseUrl, method: 'GET', path: '/ping', expect: '"ok":true' },
      server,
    );
  } finally {
    await stopServer(server, ['cc/bare']);
  }
}

export async function argon2Phase(): Promise<void> {
  const target = entry('password/argon2');
  const { code, stdout, stderr } = await runNode(
    dist('bench/peers/argon2-rate.js'),
    {
      ...PRODUCTION,
      DURATION_SECONDS: String(SECONDS),
      CONCURRENCY: String(ARGON2_CONCURRENCY),
    },
    SERVER_CORE,
  );
  const line = stdout.trim().split('\n').at(-1) ?? '';
  let result: { hashesPerSecond?: number; hashes?: number; seconds?: number } = {};
  try {
    result = JSON.parse(line) as typeof result;
  } catch {
    // reported below
  }
  if (code !== 0 || typeof result.hashesPerSecond !== 'number') {
    target.crashed = `argon2-rate exited ${code}: ${(stderr || stdout).slice(0, 500)}`;
    console.log(`  password           raw argon2id: FAILED (${target.crashed})`);
    return;
  }
  target.rounds.push({
    requestsPerSecond: result.hashesPerSecond,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    wrongAnswers: 0,
    requests: result.hashes ?? 0,
    seconds: result.seconds ?? SECONDS,
  });
  console.log(
    `  ${'password'.padEnd(18)} ${target.label.padEnd(30)} ${result.hashesPerSecond
      .toString()
      .padStart(6)} hashes/s`,
  );
}

export async function oidcPhase(format: 'opaque' | 'jwt'): Promise<void> {
  const server = await startPeer(
    'bench/peers/oidc-provider.peer.js',
    { TOKEN_FORMAT: format },
    '/bench/ready',
    `oidc-provider-${format}`,
  );
  const ids =
    format === 'jwt'
      ? measured(['cc/oidc-jwt'])
      : measured([
          'cc/oidc-opaque',
          'introspection/oidc-opaque',
          'jwks/oidc-opaque',
          'refresh/oidc-opaque',
        ]);
  const ccAuth = basic('cc-client', 'cc-secret');
  try {
    if (ROWS.has('client_credentials')) {
      await measure(
        format === 'jwt' ? 'cc/oidc-jwt' : 'cc/oidc-opaque',
        {
          url: server.baseUrl,
          method: 'POST',
          path: '/token',
          headers: { 'content-type': FORM, authorization: ccAuth },
          body: 'grant_type=client_credentials&scope=api%3Aread',
          expect: '"access_token"',
        },
        server,
      );
    }
    if (format === 'jwt') return;
    if (ROWS.has('introspection')) {
      const token = expectStatus(
        await call(`${server.baseUrl}/token`, {
          authorization: ccAuth,
          form: { grant_type: 'client_credentials', scope: 'api:read' },
        }),
        200,
        'oidc-provider client_credentials',
      ).json.access_token as string;
      const body = `token=${encodeURIComponent(token)}`;
      const check = async () => {
        const answer = expectStatus(
          await call(`${server.baseUrl}/token/introspection`, {
            authorization: ccAuth,
            form: { token },
          }),
          200,
          'oidc-provider introspection',
        );
        if (answer.json.active !== true)
          throw new Error(`oidc-provider introspection: ${answer.text}`);
      };
      await check();
      await measure(
        'introspection/oidc-opaque',
        {
          url: server.baseUrl,
          method: 'POST',
          path: '/token/introspection',
          headers: { 'content-type': FORM, authorization: ccAuth },
          body,
          expect: '"active":true',
        },
        server,
      );
      await check(); // still the same valid token at the end
    }
    if (ROWS.has('jwks')) {
      await measure(
        'jwks/oidc-opaque',
        { url: server.baseUrl, method: 'GET', path: '/jwks', expect: '"keys"' },
        server,
      );
    }
    if (ROWS.has('refresh')) {
      const chains = new RefreshChains(async (count) => {
        const answer = expectStatus(
          await call(`${server.baseUrl}/bench/refresh-tokens?count=${count}`, { method: 'POST' }),
          200,
          'oidc-provider /bench/refresh-tokens',
        );
        return answer.json.refresh_tokens as string[];
      });
      await measure(
        'refresh/oidc-opaque',
        {
          url: server.baseUrl,
          method: 'POST',
          path: '/token',
          headers: {
            'content-type': FORM,
            authorization: basic('refresh-client', 'refresh-secret'),
          },
          expect: '"refresh_token"',
          chains,
        },
        server,
      );
      countChains('oidc-provider', chains);
    }
  } finally {
    await stopServer(server, ids);
  }
}

export async function oauth2ServerPhase(): Promise<void> {
  const server = await startPeer(
    'bench/peers/oauth2-server.peer.js',
    {},
    '/ready',
    'oauth2-server',
  );
  const ids = measured(['cc/oauth2-server', 'refresh/oauth2-server', 'password/oauth2-server']);
  const auth = basic('bench-client', 'bench-secret');
  const tokenLoad = {
    url: server.baseUrl,
    method: 'POST' as const,
    path: '/oauth/token',
    headers: { 'content-type': FORM, authorization: auth },
  };
  try {
    if (ROWS.has('client_credentials')) {
      await measure(
        'cc/oauth2-server',
        {
          ...tokenLoad,
          body: 'grant_type=client_credentials&scope=api%3Aread',
          expect: '"access_token"',
        },
        server,
      );
    }
    if (ROWS.has('refresh')) {
      const chains = new RefreshChains(passwordGrantMinter(`${server.baseUrl}/oauth/token`, auth));
      await measure(
        'refresh/oauth2-server',
        { ...tokenLoad, expect: '"refresh_token"', chains },
        server,
      );
      countChains('oauth2-server', chains);
    }
    if (ROWS.has('password')) {
      await measure(
        'password/oauth2-server',
        { ...tokenLoad, nextBody: roundRobinPasswordBody(), expect: '"access_token"' },
        server,
      );
    }
  } finally {
    await stopServer(server, ids);
  }
}
