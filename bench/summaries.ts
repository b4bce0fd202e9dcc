/**
 * What the rounds add up to: each entry's summary, its ratio to the row's Portcullis, and the
 * targets the issue set.
 */
import { failuresOf } from './load-driver.js';
import { entries, entry, portcullisIdsOf, type Entry } from './scenarios.js';
import { P99_LIMIT_MS, RSS_LIMIT_MB } from './settings.js';

export interface Summary {
  requestsPerSecond: number;
  p50?: number;
  p99?: number;
  /** Connection errors (timeouts included) + non-2xx + wrong 2xx answers, warm-ups included. */
  errors: number;
  invalid: boolean;
  /** Mean over the rounds of the server's (and the embedded database's) CPU per request, µs. */
  serverCpuUs?: number;
  databaseCpuUs?: number;
}

export const round = (value: number, digits = 0) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export function summaryOf(target: Entry): Summary | undefined {
  if (target.rounds.length === 0 && !target.crashed) return undefined;
  const runs = target.rounds;
  const mean = runs.length
    ? runs.reduce((sum, r) => sum + r.requestsPerSecond, 0) / runs.length
    : 0;
  const worst = (key: 'p50' | 'p99') => {
    const values = runs.map((r) => r[key]).filter((v): v is number => v !== undefined);
    return values.length ? Math.max(...values) : undefined;
  };
  const errors = [...runs, ...target.warmups].reduce((sum, r) => sum + failuresOf(r), 0);
  const meanOf = (key: 'serverCpuUs' | 'databaseCpuUs') => {
    const values = runs.map((r) => r[key]).filter((v): v is number => v !== undefined);
    return values.length ? round(values.reduce((a, b) => a + b, 0) / values.length) : undefined;
  };
  return {
    requestsPerSecond: round(mean, target.server === 'argon2' ? 2 : 0),
    p50: worst('p50'),
    p99: worst('p99'),
    errors,
    invalid: errors > 0 || target.crashed !== undefined,
    serverCpuUs: meanOf('serverCpuUs'),
    databaseCpuUs: meanOf('databaseCpuUs'),
  };
}

export type Status = 'PASS' | 'MISS' | 'INVALID' | 'n/a';

export interface TargetResult {
  target: string;
  value?: number;
  status: Status;
}

export function ratioOf(target: Entry): { ratio?: number; status: Status } {
  if (!target.ratioOf) return { status: 'n/a' };
  const mine = summaryOf(target);
  const theirs = summaryOf(entry(target.ratioOf));
  if (!mine || !theirs) return { status: 'n/a' };
  if (mine.invalid || theirs.invalid || mine.requestsPerSecond === 0) {
    return { status: 'INVALID' };
  }
  const ratio = round(theirs.requestsPerSecond / mine.requestsPerSecond, 3);
  if (target.target === undefined) return { ratio, status: 'n/a' };
  return { ratio, status: ratio >= target.target ? 'PASS' : 'MISS' };
}

/** The targets, given the largest VmRSS read after any run of Portcullis (the build under test). */
export function targetsOf(maxRunRssMb: number): TargetResult[] {
  const results: TargetResult[] = [];
  for (const target of entries.values()) {
    if (target.target === undefined) continue;
    const numerator = entry(target.ratioOf!);
    const { ratio, status } = ratioOf(target);
    results.push({
      target: `${numerator.row}: ${numerator.label} ≥ ${target.target}× ${target.label}`,
      value: ratio,
      status,
    });
  }
  for (const id of ['cc/portcullis', 'introspection/portcullis']) {
    const summary = summaryOf(entry(id));
    results.push({
      target: `${entry(id).row}: Portcullis p99 ≤ ${P99_LIMIT_MS} ms`,
      value: summary?.p99,
      status: !summary
        ? 'n/a'
        : summary.invalid
          ? 'INVALID'
          : summary.p99! <= P99_LIMIT_MS
            ? 'PASS'
            : 'MISS',
    });
  }
  const ran = portcullisIdsOf('portcullis').some((id) => entry(id).rounds.length > 0);
  results.push({
    target: `Portcullis RSS ≤ ${RSS_LIMIT_MB} MB at the end of every run`,
    value: ran ? maxRunRssMb : undefined,
    status: !ran ? 'n/a' : maxRunRssMb <= RSS_LIMIT_MB ? 'PASS' : 'MISS',
  });
  return results;
}
