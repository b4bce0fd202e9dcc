/** What a Portcullis server logged during the bench: counts by level, and the first warnings. */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface LogScan {
  /** Info lines: one a request at the default level. */
  info: number;
  warn: number;
  error: number;
  samples: string[];
}

export const emptyLogScan = (): LogScan => ({ info: 0, warn: 0, error: 0, samples: [] });

/** Counts pino info, warn (4xx answers) and error/fatal (5xx, failures) lines of a Portcullis log. */
export async function scanLog(file: string, into: LogScan): Promise<void> {
  if (!existsSync(file)) return;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level === '30') {
      into.info += 1;
      continue;
    }
    if (level === '40') into.warn += 1;
    else if (level === '50' || level === '60') into.error += 1;
    else continue;
    if (into.samples.length < 8) into.samples.push(line.slice(0, 800));
  }
}
