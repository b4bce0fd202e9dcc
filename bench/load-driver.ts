/**
 * The load driver: autocannon from this process (on the load core) against one server, and
 * what a run cost that server (CPU per request, its embedded database's too, and memory).
 */
import autocannon from 'autocannon';
import {
  cpuTimeOf,
  descendantsCpuTimes,
  descendantsCpuTimeSince,
  memoryOf,
  type Started,
} from './processes.js';
import type { RefreshChains } from './refresh-chains.js';
import { entry, noteFailure, type Entry } from './scenarios.js';
import { CONNECTIONS, databaseUrlGiven, SECONDS, SPARE_CHAINS, WARMUP } from './settings.js';

export interface Load {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A new body for every request (the password row's round-robin users). */
  nextBody?: () => string;
  /** Headers of its own for every request (the dpop row's fresh proof). */
  nextHeaders?: () => Record<string, string>;
  /** What every 2xx answer must contain. */
  expect: string;
  /** Refresh rows: one chain per connection. */
  chains?: RefreshChains;
}

export interface RunSummary {
  requestsPerSecond: number;
  p50?: number;
  p99?: number;
  /** Connection errors, timeouts included (autocannon counts a timeout as an error too). */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx answers without what they must hold (an access token, `"active":true`, …). */
  wrongAnswers: number;
  requests: number;
  seconds: number;
  /** VmRSS of the server right after this run. */
  rssMb?: number;
  /** CPU time the server process used per answered request, in µs. */
  serverCpuUs?: number;
  /** CPU time the embedded PostgreSQL (every backend) used per answered request, in µs. */
  databaseCpuUs?: number;
}

export async function drive(load: Load, seconds: number, target: Entry): Promise<RunSummary> {
  if (load.chains) await load.chains.fill(CONNECTIONS + SPARE_CHAINS);
  let wrongAnswers = 0;
  const check = (status: number, body: string): void => {
    if (status < 200 || status > 299)
      noteFailure(target, status, body); // counted as non2xx
    else if (!body.includes(load.expect)) {
      wrongAnswers += 1;
      noteFailure(target, status, body);
    }
  };
  const base: autocannon.Request = {
    method: load.method,
    path: load.path,
    headers: load.headers ?? {},
    ...(load.body !== undefined ? { body: load.body } : {}),
  };
  const { nextBody, nextHeaders } = load;
  const request: autocannon.Request =
    nextBody || nextHeaders
      ? {
          ...base,
          setupRequest: (req) => ({
            ...req,
            ...(nextBody ? { body: nextBody() } : {}),
            ...(nextHeaders ? { headers: { ...req.headers, ...nextHeaders() } } : {}),
          }),
          onResponse: check,
        }
      : { ...base, onResponse: check };
  const chains = load.chains;
  const options: autocannon.Options = {
    url: load.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [request],
    ...(chains
      ? {
          setupClient: (client: autocannon.Client) =>
            client.setRequests([
              chains.connectionRequest(base, (status, body, ok) => {
                if (status < 200 || status > 299) noteFailure(target, status, body);
                else if (!ok) {
                  wrongAnswers += 1;
                  noteFailure(target, status, body);
                }
              }),
            ]),
        }
      : {}),
  };
  const result = await autocannon(options);
  chains?.settle();
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    wrongAnswers,
    requests: result.requests.total,
    seconds: result.duration,
  };
}

export const failuresOf = (run: RunSummary) => run.errors + run.non2xx + run.wrongAnswers;

/** Whether an entry's server runs the embedded PostgreSQL whose CPU is counted as `db`. */
const countsDatabase = (target: Entry) =>
  (target.server === 'portcullis' || target.server === 'baseline') && !databaseUrlGiven;

/** Warm-up (when BENCH_WARMUP > 0), then one measured round; RSS read after each run. */
export async function measure(
  id: string,
  load: Load,
  server: Started,
  onRun?: (rss: number) => void,
) {
  const target = entry(id);
  const database = countsDatabase(target);
  const run = async (seconds: number) => {
    // Refresh tokens for the run are minted before it (each costs a password login).
    if (load.chains) await load.chains.fill(CONNECTIONS + SPARE_CHAINS);
    const serverBefore = cpuTimeOf(server.pid);
    const databaseBefore = database ? descendantsCpuTimes(server.pid) : undefined;
    const result = await drive(load, seconds, target);
    const memory = memoryOf(server.pid);
    if (memory) {
      result.rssMb = memory.rssMb;
      onRun?.(memory.rssMb);
    }
    const serverAfter = cpuTimeOf(server.pid);
    const perRequest = (micros: number) =>
      result.requests > 0 ? Math.round(micros / result.requests) : undefined;
    if (serverBefore !== undefined && serverAfter !== undefined)
      result.serverCpuUs = perRequest(serverAfter - serverBefore);
    if (databaseBefore !== undefined)
      result.databaseCpuUs = perRequest(descendantsCpuTimeSince(server.pid, databaseBefore));
    return result;
  };
  if (WARMUP > 0) target.warmups.push(await run(WARMUP));
  const measuredRun = await run(SECONDS);
  target.rounds.push(measuredRun);
  const failed = failuresOf(measuredRun) + (WARMUP > 0 ? failuresOf(target.warmups.at(-1)!) : 0);
  console.log(
    `  ${target.row.padEnd(18)} ${target.label.padEnd(30)} ${Math.round(
      measuredRun.requestsPerSecond,
    )
      .toString()
      .padStart(6)} req/s  p50 ${measuredRun.p50} ms  p99 ${measuredRun.p99} ms  errors ${failed}` +
      (measuredRun.rssMb !== undefined ? `  RSS ${measuredRun.rssMb} MB` : '') +
      (measuredRun.serverCpuUs !== undefined ? `  CPU ${cpuCell(measuredRun)} µs/req` : ''),
  );
}

/** CPU per request: the server's, and the database's when it is the embedded one. */
export function cpuCell(run: Pick<RunSummary, 'serverCpuUs' | 'databaseCpuUs'>): string {
  if (run.serverCpuUs === undefined) return '—';
  return run.databaseCpuUs === undefined
    ? String(run.serverCpuUs)
    : `${run.serverCpuUs} + db ${run.databaseCpuUs}`;
}

/** Records the server's peak (VmHWM) and current (VmRSS) RSS on the entries it ran. */
export function recordMemory(server: Started, ids: string[]): void {
  const memory = memoryOf(server.pid);
  if (!memory) return;
  for (const id of ids) {
    const target = entry(id);
    target.peakRssMb = Math.max(target.peakRssMb ?? 0, memory.peakRssMb);
    target.endRssMb = Math.max(target.endRssMb ?? 0, memory.rssMb);
  }
}

/** Stops a server after recording its memory on the entries it ran. */
export async function stopServer(server: Started, ids: string[]): Promise<void> {
  recordMemory(server, ids);
  await server.stop();
}
