/**
 * The guard row: the sibling service's guarded route against its public one. The sibling needs
 * Portcullis for its token and, once, for the JWKS (which it then caches); Portcullis is stopped
 * before the sibling is measured alone on the core.
 */
import { basic, call, expectStatus } from './http.js';
import { drive, failuresOf, stopServer, type Load } from './load-driver.js';
import { startPeer } from './peer-phases.js';
import type { PortcullisServer } from './portcullis-server.js';
import type { PortcullisSetup } from './portcullis-setup.js';
import { withExitReport } from './processes.js';
import { entry } from './scenarios.js';
import { SECONDS, WARMUP } from './settings.js';

export async function guardPhase(
  portcullis: PortcullisServer,
  setup: PortcullisSetup,
  stopPortcullis: () => Promise<void>,
): Promise<void> {
  const { issuer } = portcullis;
  const token = expectStatus(
    await call(`${issuer}/oauth/token`, {
      authorization: basic(setup.sibling.clientId, setup.sibling.clientSecret),
      form: { grant_type: 'client_credentials' },
    }),
    200,
    'token for the sibling service',
  ).json.access_token as string;
  const sibling = await startPeer(
    'examples/sibling-service/main.js',
    { ISSUER: issuer, HOST: '127.0.0.1' },
    '/public',
    `sibling-${portcullis.starts}`,
  );
  try {
    const bearer = { authorization: `Bearer ${token}` };
    const primed = await call(`${sibling.baseUrl}/notes`, bearer);
    expectStatus(primed, 200, 'sibling GET /notes with the token (JWKS fetch)');
    await stopPortcullis();

    const publicLoad: Load = {
      url: sibling.baseUrl,
      method: 'GET',
      path: '/public',
      expect: '"ok":true',
    };
    const guardedLoad: Load = {
      url: sibling.baseUrl,
      method: 'GET',
      path: '/notes',
      headers: bearer,
      expect: '"items"',
    };
    const publicEntry = entry('guard/public');
    const guardedEntry = entry('guard/guarded');
    if (WARMUP > 0) {
      publicEntry.warmups.push(await drive(publicLoad, WARMUP, publicEntry));
      guardedEntry.warmups.push(await drive(guardedLoad, WARMUP, guardedEntry));
    }
    for (const [target, load] of [
      [publicEntry, publicLoad],
      [guardedEntry, guardedLoad],
    ] as const) {
      const run = await drive(load, SECONDS, target);
      target.rounds.push(run);
      console.log(
        `  ${'guard'.padEnd(18)} ${target.label.padEnd(30)} ${Math.round(run.requestsPerSecond)
          .toString()
          .padStart(6)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms  errors ${failuresOf(run)}`,
      );
    }
  } catch (error) {
    throw withExitReport(error, 'the sibling service', sibling);
  } finally {
    await stopServer(sibling, ['guard/public', 'guard/guarded']);
  }
}
