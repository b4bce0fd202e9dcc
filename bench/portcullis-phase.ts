/**
 * A Portcullis server's phase of a round: started afresh from its build on the server core (its
 * embedded PostgreSQL moved off it), set up once, settled, measured in each Portcullis row of
 * the run, then stopped; the guard row follows for the server under test.
 */
import { rm } from 'node:fs/promises';
import { tempPath } from './cleanup.js';
import { settleDatabase, stopLeftoverPostgres } from './database.js';
import { guardPhase } from './guard-phase.js';
import { basic, call, expectStatus } from './http.js';
import { measure, recordMemory } from './load-driver.js';
import { scanLog } from './log-scan.js';
import type { PortcullisServer } from './portcullis-server.js';
import { setUpPortcullis } from './portcullis-setup.js';
import { pinDescendants, startNode, withExitReport } from './processes.js';
import { RefreshChains } from './refresh-chains.js';
import { dpopProofSigner } from './dpop-proofs.js';
import { FORM, passwordGrantMinter, roundRobinPasswordBody } from './requests.js';
import { portcullisEntryId, portcullisIdsOf, type PortcullisRow } from './scenarios.js';
import { PG_CORES, PORTCULLIS_NODE_ARGS, ROWS, SERVER_CORE } from './settings.js';

export async function portcullisPhase(portcullis: PortcullisServer): Promise<void> {
  portcullis.starts += 1;
  const ids = portcullisIdsOf(portcullis.name);
  const idOf = (row: PortcullisRow) => portcullisEntryId(row, portcullis.name);
  const logFile = tempPath(`${portcullis.name}-${portcullis.starts}.log`);
  const server = await startNode(portcullis.main, portcullis.env, '/health', SERVER_CORE, {
    logFile,
    stopTimeoutMs: 30_000,
    nodeArgs: portcullis.cpuProfDir
      ? [...PORTCULLIS_NODE_ARGS, '--cpu-prof', `--cpu-prof-dir=${portcullis.cpuProfDir}`]
      : PORTCULLIS_NODE_ARGS,
  });
  let stopped = false;
  let memoryRecorded = false;
  const stopPortcullis = async () => {
    if (stopped) return;
    stopped = true;
    if (!memoryRecorded) recordMemory(server, ids);
    await server.stop();
    await stopLeftoverPostgres(portcullis.dataDir);
    await scanLog(logFile, portcullis.log);
    await rm(logFile, { force: true });
  };
  try {
    // An embedded PostgreSQL inherits the server's pin; it is moved to its own cores.
    portcullis.movedPostgres = Math.max(
      portcullis.movedPostgres,
      pinDescendants(server.pid, PG_CORES),
    );
    portcullis.setup ??= await setUpPortcullis(portcullis.issuer, portcullis.env);
    await settleDatabase(portcullis.env.DATABASE_URL, portcullis.dataDir);
    const { setup, issuer } = portcullis;
    const onRun = (rss: number) => (portcullis.maxRunRssMb = Math.max(portcullis.maxRunRssMb, rss));
    const tokenUrl = `${issuer}/oauth/token`;
    const ccAuth = basic(setup.cc.clientId, setup.cc.clientSecret);
    const passwordAuth = basic(setup.password.clientId, setup.password.clientSecret);

    if (ROWS.has('client_credentials')) {
      await measure(
        idOf('client_credentials'),
        {
          url: issuer,
          method: 'POST',
          path: '/oauth/token',
          headers: { 'content-type': FORM, authorization: ccAuth },
          body: 'grant_type=client_credentials&scope=api%3Aread',
          expect: '"access_token"',
        },
        server,
        onRun,
      );
    }
    if (ROWS.has('introspection')) {
      const token = expectStatus(
        await call(tokenUrl, {
          authorization: ccAuth,
          form: { grant_type: 'client_credentials', scope: 'api:read' },
        }),
        200,
        `${portcullis.label} client_credentials`,
      ).json.access_token as string;
      const check = async () => {
        const answer = expectStatus(
          await call(`${issuer}/oauth/introspect`, { authorization: ccAuth, form: { token } }),
          200,
          `${portcullis.label} introspection`,
        );
        if (answer.json.active !== true)
          throw new Error(`${portcullis.label} introspection: ${answer.text}`);
      };
      await check();
      await measure(
        idOf('introspection'),
        {
          url: issuer,
          method: 'POST',
          path: '/oauth/introspect',
          headers: { 'content-type': FORM, authorization: ccAuth },
          body: `token=${encodeURIComponent(token)}`,
          expect: '"active":true',
        },
        server,
        onRun,
      );
      await check();
    }
    if (ROWS.has('dpop')) {
      const load = {
        url: issuer,
        method: 'POST' as const,
        path: '/oauth/token',
        headers: { 'content-type': FORM, authorization: ccAuth },
        body: 'grant_type=client_credentials&scope=api%3Aread',
      };
      const nextProof = dpopProofSigner(tokenUrl);
      if (portcullis.name === 'portcullis') {
        // The server under test binds the token; a baseline from before DPoP answers Bearer.
        const bound = await call(tokenUrl, {
          authorization: ccAuth,
          headers: { dpop: nextProof() },
          form: { grant_type: 'client_credentials', scope: 'api:read' },
        });
        if (expectStatus(bound, 200, `${portcullis.label} DPoP`).json.token_type !== 'DPoP')
          throw new Error(`${portcullis.label} DPoP: not bound: ${bound.text}`);
      }
      await measure(
        idOf('dpop'),
        { ...load, nextHeaders: () => ({ dpop: nextProof() }), expect: '"access_token"' },
        server,
        onRun,
      );
      if (portcullis.name === 'portcullis')
        await measure('dpop/bearer', { ...load, expect: '"token_type":"Bearer"' }, server, onRun);
    }
    if (ROWS.has('jwks')) {
      await measure(
        idOf('jwks'),
        { url: issuer, method: 'GET', path: '/.well-known/jwks.json', expect: '"keys"' },
        server,
        onRun,
      );
    }
    if (ROWS.has('refresh')) {
      // The chains live in the database, so they carry over from one start to the next.
      setup.chains ??= new RefreshChains(passwordGrantMinter(tokenUrl, passwordAuth));
      await measure(
        idOf('refresh'),
        {
          url: issuer,
          method: 'POST',
          path: '/oauth/token',
          headers: { 'content-type': FORM, authorization: passwordAuth },
          expect: '"refresh_token"',
          chains: setup.chains,
        },
        server,
        onRun,
      );
    }
    if (ROWS.has('password')) {
      await measure(
        idOf('password'),
        {
          url: issuer,
          method: 'POST',
          path: '/oauth/token',
          headers: { 'content-type': FORM, authorization: passwordAuth },
          nextBody: roundRobinPasswordBody(),
          expect: '"access_token"',
        },
        server,
        onRun,
      );
    }
    // RSS at the end of Portcullis's runs, before anything else happens on the core.
    recordMemory(server, ids);
    memoryRecorded = true;
    if (portcullis.name === 'portcullis' && ROWS.has('guard')) {
      await guardPhase(portcullis, setup, stopPortcullis);
    }
  } catch (error) {
    throw stopped ? error : withExitReport(error, portcullis.label, server);
  } finally {
    await stopPortcullis();
  }
}
