/**
 * The report: the Markdown printed at the end of a run, and the same data as JSON under
 * bench/results/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Database } from './database.js';
import { cpuCell } from './load-driver.js';
import type { PortcullisServer } from './portcullis-server.js';
import { hasTaskset } from './processes.js';
import { chainStats } from './refresh-chains.js';
import { entries, entry, portcullisEntryId, PORTCULLIS_ROWS, type Entry } from './scenarios.js';
import {
  CONNECTIONS,
  LOAD_CORE,
  P99_LIMIT_MS,
  PG_CORES,
  ROOT,
  ROUNDS,
  ROWS,
  RSS_LIMIT_MB,
  SECONDS,
  SERVER_CORE,
  WARMUP,
  type BaselineCheckout,
} from './settings.js';
import { ratioOf, summaryOf, targetsOf } from './summaries.js';

/** What the report says about the run besides the entries. */
export interface RunFacts {
  startedAt: Date;
  cpu: string;
  /** How the run was set up, one line each (printed at its start too). */
  setupLines: string[];
  database: Database;
  /** What Portcullis ran with, as its own environment validation reads it. */
  effective: { LOG_LEVEL: string; LOGIN_RATE_LIMIT: number };
  portcullis: PortcullisServer;
  baseline?: { server: PortcullisServer; checkout: BaselineCheckout; commit?: string };
}

function cellTarget(target: Entry): string {
  if (target.target !== undefined) {
    const { status } = ratioOf(target);
    return `≥ ${target.target}× ${status}`;
  }
  if (target.server !== 'portcullis') return '';
  const summary = summaryOf(target);
  if (!summary) return '';
  const parts: string[] = [];
  if (target.row === 'client_credentials' || target.row === 'introspection') {
    const status = summary.invalid ? 'INVALID' : summary.p99! <= P99_LIMIT_MS ? 'PASS' : 'MISS';
    parts.push(`p99 ≤ ${P99_LIMIT_MS} ms ${status}`);
  }
  const runRss = Math.max(...[...target.rounds, ...target.warmups].map((run) => run.rssMb ?? 0));
  parts.push(`RSS ≤ ${RSS_LIMIT_MB} MB ${runRss <= RSS_LIMIT_MB ? 'PASS' : 'MISS'}`);
  return parts.join('; ');
}

function table(): string[] {
  const lines = [
    '| row | server | req/s | p50 ms | p99 ms | errors | CPU µs/req | peak RSS MB | ratio | target |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const target of entries.values()) {
    const summary = summaryOf(target);
    if (!summary) continue;
    const { ratio } = ratioOf(target);
    const memory =
      target.peakRssMb !== undefined ? `${target.peakRssMb} (end ${target.endRssMb})` : '—';
    const errors = summary.invalid
      ? `${summary.errors}${target.crashed ? ' (crashed)' : ''} INVALID`
      : '0';
    lines.push(
      `| ${target.row} | ${target.label} | ${summary.requestsPerSecond} | ${summary.p50 ?? '—'} | ${
        summary.p99 ?? '—'
      } | ${errors} | ${cpuCell(summary)} | ${memory} | ${ratio !== undefined ? `${ratio.toFixed(2)}×` : '—'} | ${cellTarget(
        target,
      )} |`,
    );
  }
  return lines;
}

/** Portcullis's req/s ÷ its baseline's, per row the baseline ran. */
function baselineRatios(): Record<string, number | undefined> {
  const ratios: Record<string, number | undefined> = {};
  for (const row of PORTCULLIS_ROWS) {
    const id = portcullisEntryId(row, 'baseline');
    if (entries.has(id) && summaryOf(entry(id))) ratios[row] = ratioOf(entry(id)).ratio;
  }
  return ratios;
}

const logLine = (server: PortcullisServer, level: string) =>
  `${server.label} log (level ${level}): ${server.log.info} info, ${server.log.warn} warn, ${server.log.error} error lines`;

function logWarnings(server: PortcullisServer): string[] {
  const { log } = server;
  if (log.warn + log.error === 0) return [];
  return [
    '',
    `${server.label} logged ${log.warn} warn and ${log.error} error lines; the first ones:`,
    ...log.samples.map((sample) => `    ${sample}`),
  ];
}

/** The entries with errors or wrong answers (a crashed measurement included). */
export const invalidEntries = () => [...entries.values()].filter((e) => summaryOf(e)?.invalid);

/** The Markdown report. */
export function reportLines(facts: RunFacts): string[] {
  const { effective, portcullis, baseline } = facts;
  const targets = targetsOf(portcullis.maxRunRssMb);
  const lines = [
    '',
    ...facts.setupLines.map((line) => `- ${line}`),
    '- req/s: mean over the rounds; p50/p99: the worst round; errors: connection errors (timeouts included) + non-2xx + 2xx answers without what they must hold, warm-ups included; CPU µs/req: CPU time (user + system) of the server process per answered request, mean over the rounds, and of the embedded PostgreSQL as db; ratio: the Portcullis row (guarded, for the sibling) ÷ this row; peak RSS: VmHWM of the server process at the end of its runs (end: VmRSS then)',
    '',
    ...table(),
    '',
    ...(ROWS.has('client_credentials')
      ? [
          `bare Nest GET /ping (the ceiling): ${summaryOf(entry('cc/bare'))?.requestsPerSecond ?? '—'} req/s`,
          '',
        ]
      : []),
    'Targets:',
    ...targets.map((t) => `- ${t.target}: ${t.value !== undefined ? t.value : '—'} ${t.status}`),
  ];
  const invalid = invalidEntries();
  if (invalid.length > 0) {
    lines.push('', 'INVALID rows (first answers that were wrong):');
    for (const target of invalid) {
      lines.push(`- ${target.row} / ${target.label}:`);
      if (target.crashed) lines.push(`  - ${target.crashed}`);
      for (const failure of target.failures) lines.push(`  - ${failure}`);
    }
  }
  lines.push('', logLine(portcullis, effective.LOG_LEVEL));
  if (baseline) lines.push(logLine(baseline.server, effective.LOG_LEVEL));
  lines.push(...logWarnings(portcullis));
  if (baseline) lines.push(...logWarnings(baseline.server));
  return lines;
}

/** Writes the run's data to bench/results/bench-<date>.json; answers the file's path. */
export async function writeResults(facts: RunFacts): Promise<string> {
  const { startedAt, cpu, database, effective, portcullis, baseline } = facts;
  const resultsDir = path.join(ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    JSON.stringify(
      {
        date: startedAt.toISOString(),
        node: process.version,
        cpu,
        cores: os.cpus().length,
        pinned: hasTaskset,
        serverCore: hasTaskset ? SERVER_CORE : null,
        loadCore: hasTaskset ? LOAD_CORE : null,
        postgres: { cores: database.url ? null : PG_CORES, database: database.description },
        connections: CONNECTIONS,
        durations: { warmupSeconds: WARMUP, roundSeconds: SECONDS, rounds: ROUNDS },
        rows: [...ROWS],
        portcullis: {
          env: {
            NODE_ENV: 'production',
            LOG_LEVEL: `${effective.LOG_LEVEL} (default; not set)`,
            LOGIN_RATE_LIMIT: effective.LOGIN_RATE_LIMIT,
          },
          starts: portcullis.starts,
          maxRunRssMb: portcullis.maxRunRssMb,
          log: portcullis.log,
        },
        ...(baseline
          ? {
              baseline: {
                checkout: baseline.checkout.dir,
                commit: baseline.commit ?? null,
                main: baseline.checkout.main,
                database: baseline.server.database.description,
                starts: baseline.server.starts,
                maxRunRssMb: baseline.server.maxRunRssMb,
                log: baseline.server.log,
                // Portcullis's req/s ÷ the baseline's, per row.
                ratios: baselineRatios(),
              },
            }
          : {}),
        refreshChains: chainStats,
        entries: [...entries.values()]
          .filter((e) => summaryOf(e))
          .map((e) => ({
            id: e.id,
            row: e.row,
            server: e.label,
            request: e.request,
            summary: summaryOf(e),
            ratio: ratioOf(e).ratio,
            ratioOf: e.ratioOf,
            target: e.target,
            peakRssMb: e.peakRssMb,
            endRssMb: e.endRssMb,
            rounds: e.rounds,
            warmups: e.warmups,
            failures: e.failures,
            crashed: e.crashed,
          })),
        targets: targetsOf(portcullis.maxRunRssMb),
      },
      null,
      2,
    ),
  );
  return file;
}
