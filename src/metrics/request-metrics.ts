import { Counter, Histogram, type Registry } from 'prom-client';

/** Upper bounds, in seconds, of the latency buckets (and +Inf). */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Answered {
  labels: { method: string; route: string; status: string };
  count: number;
}

interface Latencies {
  route: string;
  /** Per bucket, not cumulative; the last one is +Inf. */
  counts: number[];
  sum: number;
}

const REQUESTS = {
  name: 'http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code',
};
const DURATION = {
  name: 'http_request_duration_seconds',
  help: 'Time from a request arriving to its answer being sent, by route pattern',
};

type Line = { metricName?: string; labels: Record<string, string | number>; value: number };
type Exposed = { name: string; help: string; type: string; aggregator: 'sum'; values: Line[] };

/**
 * Answered requests and their latency per route pattern, kept as plain numbers: a request
 * costs a map lookup and a few increments. prom-client's labelled metrics hash their labels
 * at every observation, a cost the benchmark could see (bench/README.md); these
 * figures become its counter and histogram only when Prometheus scrapes.
 */
export class RequestMetrics {
  private readonly answered = new Map<string, Answered>();
  private readonly latencies = new Map<string, Latencies>();

  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    const answered = this.answered.get(key);
    if (answered) answered.count++;
    else this.answered.set(key, { labels: { method, route, status: String(status) }, count: 1 });
    let latencies = this.latencies.get(route);
    if (!latencies) {
      latencies = { route, counts: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0 };
      this.latencies.set(route, latencies);
    }
    let bucket = 0;
    while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]) bucket++;
    latencies.counts[bucket]++;
    latencies.sum += seconds;
  }

  /** Registers `http_requests_total` and `http_request_duration_seconds`, read at scrape. */
  register(registry: Registry): void {
    const answered = () => [...this.answered.values()];
    const latencies = () => [...this.latencies.values()];
    const requests = new Counter({
      ...REQUESTS,
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    requests.get = () =>
      exposed({
        ...REQUESTS,
        type: 'counter',
        aggregator: 'sum',
        values: answered().map(({ labels, count }) => ({ labels, value: count })),
      });
    const duration = new Histogram({
      ...DURATION,
      labelNames: ['route'],
      buckets: BUCKETS,
      registers: [registry],
    });
    // The registry renders a histogram through getForPromString when it has one.
    const histogram = duration as unknown as { getForPromString?: () => Promise<unknown> };
    duration.get = () =>
      exposed({
        ...DURATION,
        type: 'histogram',
        aggregator: 'sum',
        values: latencies().flatMap(({ route, counts, sum }) => {
          let cumulative = 0;
          const lines: Line[] = counts.map((count, i) => {
            cumulative += count;
            const le = i < BUCKETS.length ? BUCKETS[i] : '+Inf';
            const metricName = `${DURATION.name}_bucket`;
            return { metricName, labels: { le, route }, value: cumulative };
          });
          lines.push({
            metricName: `${DURATION.name}_sum`,
            labels: { route },
            value: sum,
          });
          const total = { metricName: `${DURATION.name}_count`, labels: { route } };
          lines.push({ ...total, value: cumulative });
          return lines;
        }),
      });
    histogram.getForPromString = () => duration.get();
  }
}

/** The collector output prom-client's registry renders (its typings name a narrower type). */
function exposed<T>(metric: Exposed): Promise<T> {
  return Promise.resolve(metric as unknown as T);
}
