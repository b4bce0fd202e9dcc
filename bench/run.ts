/**
 * The benchmark: Portcullis (production build, real PostgreSQL) against its peers, one server at a
 * time on core 0, the load (autocannon, this process) on core 1.
 *
 *   npm run bench
 *   BENCH_ROUNDS=2 BENCH_SECONDS=5 BENCH_WARMUP=3 BENCH_ROWS=client_credentials,introspection \
 *     node dist/bench/run.js
 *   BENCH_BASELINE=../portcullis-main npm run bench   # and that checkout's build, in the same rounds
 *   BENCH_BASELINE=. BENCH_PORTCULLIS_ENV="DATABASE_PREPARED_STATEMENTS=true" npm run bench  # on vs off
 *
 * Rows: client_credentials, refresh, password, introspection, jwks, guard (the sibling service's
 * guarded route against its public one). Peers: bench/peers/README.md. Every server is started
 * afresh in each round and measured alone, so the rounds go A B A B across servers and drift
 * falls on all of them. Prints a Markdown table and writes the same data to bench/results/.
 * Exits 1 when a Portcullis row (or a sibling-service row) saw any error or wrong answer.
 *
 * Here the run's order; the knobs are in settings.ts, the rows in scenarios.ts, the load in
 * load-driver.ts, the servers in peer-phases.ts and portcullis-phase.ts, the report in report.ts.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { validateEnvironment } from '../src/config/environment.js';
import { cleanup, cleanUpOnExit, makeTempRoot, onCleanup } from './cleanup.js';
import { reportGrowth } from './growth-report.js';
import { seedCounts, seedGrowth } from './growth-seed.js';
import { argon2Phase, barePhase, oauth2ServerPhase, oidcPhase } from './peer-phases.js';
import { portcullisPhase } from './portcullis-phase.js';
import { startOtlpSink } from './otlp-sink.js';
import { preparePortcullisServer, sharedSettings } from './portcullis-server.js';
import { hasTaskset, pinSelf } from './processes.js';
import { countChains } from './refresh-chains.js';
import { invalidEntries, reportLines, writeResults, type RunFacts } from './report.js';
import { PORTCULLIS_ROWS } from './scenarios.js';
import {
  BASELINE,
  CONNECTIONS,
  dist,
  GROWTH,
  GROWTH_SCALE,
  LOAD_CORE,
  PG_CORES,
  ROUNDS,
  ROWS,
  SECONDS,
  OTLP,
  SERVER_CORE,
  WARMUP,
  type RowName,
} from './settings.js';

/** The commit a checkout is at, when it is a git work tree. */
function commitOf(dir: string): string | undefined {
  const result = spawnSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The peers' phases of a round, for the rows that have them. */
async function peerPhases(needs: (...rows: RowName[]) => boolean): Promise<void> {
  if (needs('client_credentials')) await barePhase();
  if (needs('password')) await argon2Phase();
  if (needs('client_credentials', 'introspection', 'jwks', 'refresh')) await oidcPhase('opaque');
  if (needs('client_credentials')) await oidcPhase('jwt');
  if (needs('client_credentials', 'refresh', 'password')) await oauth2ServerPhase();
}

async function main(): Promise<void> {
  cleanUpOnExit();
  pinSelf(LOAD_CORE);
  await makeTempRoot();
  const startedAt = new Date();
  const shared = await sharedSettings();
  const portcullis = await preparePortcullisServer('portcullis', dist('src/main.js'), shared);
  // The baseline is measured in the Portcullis rows only (the guard row is the sibling's).
  const measuresPortcullis = PORTCULLIS_ROWS.some((row) => ROWS.has(row));
  const baseline =
    BASELINE && measuresPortcullis
      ? {
          server: await preparePortcullisServer('baseline', BASELINE.main, shared),
          checkout: BASELINE,
          commit: commitOf(BASELINE.dir),
        }
      : undefined;
  const otlp = OTLP ? await startOtlpSink() : undefined;
  if (otlp) {
    onCleanup(otlp.close);
    portcullis.env.OTEL_EXPORTER_OTLP_ENDPOINT = otlp.endpoint;
  }
  const { database } = portcullis;
  // bench:growth: Portcullis's database is seeded first; its "baseline" keeps an empty one.
  let seedLines: string[] = [];
  if (GROWTH) {
    if (!database.url) throw new Error('bench:growth needs DATABASE_URL (the seed is SQL on it)');
    console.log(`# seeding at BENCH_GROWTH_SCALE=${GROWTH_SCALE}`);
    seedLines = await seedGrowth(database.url, GROWTH_SCALE);
  }
  // What Portcullis will run with (LOG_LEVEL is left at its production default).
  const effective = validateEnvironment(portcullis.env);

  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const setupLines = [
    `date ${startedAt.toISOString()}, node ${process.version}, ${cpu} × ${os.cpus().length} cores`,
    hasTaskset
      ? `pinned: every server on core ${SERVER_CORE}, one at a time; the load generator (autocannon, this process) on core ${LOAD_CORE}`
      : 'NOT pinned (no taskset): servers and load generator share all cores',
    database.url
      ? `PostgreSQL: ${database.description}; runs where its service runs (not pinned here); its CPU and memory are not counted`
      : `PostgreSQL: ${database.description}; its processes are moved to core(s) ${PG_CORES} (BENCH_PG_CORES), so core ${SERVER_CORE} measures Portcullis alone; its CPU per request is shown as "db", its memory is not in Portcullis's RSS`,
    `${CONNECTIONS} connections; per server start: ${WARMUP} s warm-up per row, then a ${SECONDS} s round; ${ROUNDS} round(s), every server started afresh in each (A B A B)`,
    `Portcullis: NODE_ENV=production, LOG_LEVEL not set → ${effective.LOG_LEVEL} (the production default; request logs go to a file), LOGIN_RATE_LIMIT=${effective.LOGIN_RATE_LIMIT} (raised from the default 120 a minute per address so the password rows are not throttled)`,
    ...(GROWTH
      ? [
          `bench:growth: Portcullis on a database seeded at BENCH_GROWTH_SCALE=${GROWTH_SCALE} (${JSON.stringify(seedCounts(GROWTH_SCALE))}); Portcullis (empty database) the same build on an empty one; ratio: seeded ÷ empty`,
        ]
      : baseline
        ? [
            `Portcullis (baseline): ${baseline.checkout.main} (BENCH_BASELINE, commit ${baseline.commit?.slice(0, 12) ?? 'unknown'}), started as Portcullis is (same environment, node flags and pinning), after it in odd rounds and before it in even ones, on its own fresh database (${baseline.server.database.description}); ratio: Portcullis ÷ baseline`,
          ]
        : []),
    ...(otlp
      ? [
          `Portcullis: tracing on (BENCH_OTLP=1): OTEL_EXPORTER_OTLP_ENDPOINT=${otlp.endpoint}, a sink in this process${baseline ? '; the baseline runs without it' : ''}`,
        ]
      : []),
    `rows: ${[...ROWS].join(', ')}`,
  ];
  console.log(setupLines.map((line) => `# ${line}`).join('\n'));

  const needs = (...rows: RowName[]) => rows.some((row) => ROWS.has(row));
  for (let r = 1; r <= ROUNDS; r++) {
    console.log(`\nround ${r}/${ROUNDS}`);
    // bench:growth compares Portcullis with itself: no peers.
    if (!GROWTH) await peerPhases(needs);
    // With a baseline, the two take turns going first (A B, then B A): this VM's speed drifts
    // within minutes, and whichever always went first would carry the drift alone.
    const order = baseline && r % 2 === 0 ? [baseline.server, portcullis] : [portcullis];
    if (baseline && r % 2 === 1) order.push(baseline.server);
    for (const server of order) await portcullisPhase(server);
  }

  if (portcullis.setup?.chains) countChains('portcullis', portcullis.setup.chains);
  if (baseline?.server.setup?.chains) countChains('baseline', baseline.server.setup.chains);
  const facts: RunFacts = { startedAt, cpu, setupLines, database, effective, portcullis, baseline };
  console.log(reportLines(facts).join('\n'));
  if (otlp) {
    const { exports, bytes } = otlp.received;
    console.log(`\nOTLP sink: ${exports} exports, ${(bytes / 1e6).toFixed(1)} MB of spans`);
  }
  const file = await writeResults(facts);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  if (GROWTH && database.url) {
    const growthFile = await reportGrowth(
      database.url,
      portcullis.issuer,
      seedCounts(GROWTH_SCALE),
      seedLines,
      startedAt,
    );
    console.log(`written to ${path.relative(process.cwd(), growthFile)}`);
  }
  if (invalidEntries().some((e) => e.ours)) {
    console.log('a Portcullis row is INVALID (errors or wrong answers): exit 1');
    process.exitCode = 1;
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
  });
