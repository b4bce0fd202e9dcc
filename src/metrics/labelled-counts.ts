import { Counter, type Registry } from 'prom-client';

/**
 * A counter kept as plain numbers per label values: counting costs a map lookup, and the
 * prom-client counter (which hashes its labels at every `inc`) is filled only at scrape.
 */
export class LabelledCounts<Label extends string> {
  private readonly counts = new Map<string, { values: string[]; count: number }>();

  constructor(
    registry: Registry,
    metric: { name: string; help: string; labels: readonly Label[] },
  ) {
    const counts = this.counts;
    const labels = metric.labels;
    new Counter({
      name: metric.name,
      help: metric.help,
      labelNames: labels,
      registers: [registry],
      collect() {
        this.reset();
        for (const { values, count } of counts.values()) {
          const named = Object.fromEntries(labels.map((label, i) => [label, values[i]]));
          this.inc(named as Partial<Record<Label, string>>, count);
        }
      },
    });
  }

  /** Counts one more with these label values, in the order the labels were named. */
  add(...values: string[]): void {
    const key = values.join('\n');
    const seen = this.counts.get(key);
    if (seen) seen.count++;
    else this.counts.set(key, { values, count: 1 });
  }
}
