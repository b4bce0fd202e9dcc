/**
 * The guard row: the sibling service's guarded route against its public one, and the same
 * route with a DPoP-bound token and a fresh proof per request. The sibling needs Portcullis for
 * its tokens and, once, for the JWKS (which it then caches); Portcullis is stopped before the
 * sibling is measured alone on the core.
 */
import { BenchDpopKey } from './dpop-resource-proofs.js';
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
  // The same client's token bound to a key (RFC 9449 §5): the proof of the token request.
  const key = new BenchDpopKey();
  const bound = expectStatus(
    await call(`${issuer}/oauth/token`, {
      authorization: basic(setup.sibling.clientId, setup.sibling.clientSecret),
      headers: { dpop: key.proof('POST', `${issuer}/oauth/token`) },
      form: { grant_type: 'client_credentials' },
    }),
    200,
    'DPoP-bound token for the sibling service',
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
    const notesUrl = `${sibling.baseUrl}/notes`;
    const dpop = () => ({
      authorization: `DPoP ${bound}`,
      dpop: key.proof('GET', notesUrl, bound),
    });
    expectStatus(
      await call(notesUrl, { headers: dpop() }),
      200,
      'sibling GET /notes with the bound token',
    );
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
    // A new proof on every request, as a client makes them (each is single use).
    const dpopLoad: Load = {
      url: sibling.baseUrl,
      method: 'GET',
      path: '/notes',
      nextHeaders: dpop,
      expect: '"items"',
    };
    const publicEntry = entry('guard/public');
    const guardedEntry = entry('guard/guarded');
    const dpopEntry = entry('guard/dpop');
    const loads = [
      [publicEntry, publicLoad],
      [guardedEntry, guardedLoad],
      [dpopEntry, dpopLoad],
    ] as const;
    if (WARMUP > 0) {
      for (const [target, load] of loads) target.warmups.push(await drive(load, WARMUP, target));
    }
    for (const [target, load] of loads) {
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
    await stopServer(sibling, ['guard/public', 'guard/guarded', 'guard/dpop']);
  }
}
