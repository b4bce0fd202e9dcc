/**
 * `npm run bench:growth`: the seed's log, the admin lists at depth and the hot statements'
 * plans, printed as Markdown and written to bench/results/growth-*.md beside the run's JSON.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { explainHotStatements, measureListDepth } from './growth-explain.js';
import type { SeedCounts } from './growth-seed.js';
import { ROOT } from './settings.js';

export async function reportGrowth(
  databaseUrl: string,
  issuer: string,
  counts: SeedCounts,
  seedLines: string[],
  startedAt: Date,
): Promise<string> {
  const depth = await measureListDepth(databaseUrl);
  const plans = await explainHotStatements(databaseUrl, issuer, counts);
  const lines = [
    '### Seed',
    '',
    ...seedLines.map((line) => `- ${line}`),
    '',
    '### Admin lists at depth (page of 20; best of 3, PostgreSQL execution time)',
    '',
    '| list | depth | offset | keyset (`after`) |',
    '| ---- | ----: | -----: | ---------------: |',
    ...depth.map(
      (d) =>
        `| ${d.list} | ${d.depth} | ${d.offsetMs.toFixed(1)} ms | ${d.keysetMs.toFixed(2)} ms |`,
    ),
    '',
    ...depth.flatMap((d) => [
      `${d.list}, offset:`,
      '',
      '```',
      d.offsetPlan,
      '```',
      '',
      `${d.list}, keyset:`,
      '',
      '```',
      d.keysetPlan,
      '```',
      '',
    ]),
    '### Hot statements: EXPLAIN (ANALYZE, BUFFERS) on the seeded database',
    '',
    ...plans.flatMap((p) => [`${p.name}:`, '', '```', p.plan, '```', '']),
  ];
  const text = lines.join('\n');
  console.log(`\n${text}`);
  const dir = path.join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `growth-${startedAt.toISOString().replace(/[:.]/g, '-')}.md`);
  await writeFile(file, `${text}\n`);
  return file;
}
