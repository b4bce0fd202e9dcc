import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The process figures an operator watches (memory, heap, event-loop lag, open resources and
 * descriptors, CPU), each read when Prometheus scrapes. Not prom-client's default metrics:
 * their GC observer made every cheap request measurably dearer (bench/README.md).
 */
export function registerProcessMetrics(registry: Registry): void {
  const registers = [registry];
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'nodejs_heap_size_used_bytes',
    help: 'V8 heap in use, in bytes',
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: 'nodejs_heap_size_total_bytes',
    help: 'V8 heap allocated, in bytes',
    registers,
    collect() {
      this.set(process.memoryUsage().heapTotal);
    },
  });
  new Gauge({
    name: 'nodejs_active_resources_total',
    help: 'Resources keeping the event loop alive (sockets, timers, file handles…)',
    registers,
    collect() {
      this.set(process.getActiveResourcesInfo().length);
    },
  });
  new Gauge({
    name: 'process_open_fds',
    help: 'Open file descriptors (Linux)',
    registers,
    collect() {
      try {
        this.set(readdirSync('/proc/self/fd').length - 1); // less the one reading the directory
      } catch {
        // Not Linux: no figure rather than a wrong one.
      }
    },
  });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const lag = new Gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Event-loop delay since the last scrape, by percentile',
    labelNames: ['quantile'] as const,
    registers,
    collect() {
      for (const quantile of [50, 99]) {
        lag.set({ quantile: String(quantile / 100) }, delay.percentile(quantile) / 1e9);
      }
      lag.set({ quantile: '1' }, delay.max / 1e9);
      delay.reset();
    },
  });
  let cpuSeen = 0;
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time, in seconds',
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      const seconds = (user + system) / 1e6;
      this.inc(seconds - cpuSeen);
      cpuSeen = seconds;
    },
  });
  new Gauge({
    name: 'process_start_time_seconds',
    help: 'When the process started, in Unix seconds',
    registers,
    collect() {
      this.set(Math.round(Date.now() / 1000 - process.uptime()));
    },
  });
}
