import { Injectable } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { LabelledCounts } from './labelled-counts.js';
import { MetricsRegistry } from './metrics.registry.js';

/** Upper bounds, in seconds, of the upstream latency buckets (and +Inf). */
const UPSTREAM_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Lockout = 'login.locked' | 'client.locked';

/**
 * The figures operators alert on, counted where the events happen: tokens issued, refusals,
 * refresh-token reuse, lockouts and upstream calls. Counting one is a map increment.
 */
@Injectable()
export class OperationsMetrics {
  private readonly issued: LabelledCounts<'grant_type'>;
  private readonly refusals: LabelledCounts<'route' | 'error'>;
  private readonly reuses: LabelledCounts<never>;
  private readonly lockouts: LabelledCounts<'type'>;
  private readonly upstreamFailures: LabelledCounts<'provider'>;
  private readonly upstreamLatency: Histogram<'provider'>;
  private readonly auditLost: LabelledCounts<'type'>;

  constructor(metrics: MetricsRegistry) {
    const registry = metrics.registry;
    this.issued = new LabelledCounts(registry, {
      name: 'portcullis_tokens_issued_total',
      help: 'Token responses issued at the token endpoint, by grant type',
      labels: ['grant_type'],
    });
    this.refusals = new LabelledCounts(registry, {
      name: 'portcullis_refusals_total',
      help: 'Answers carrying an RFC error code, by route pattern and code',
      labels: ['route', 'error'],
    });
    this.reuses = new LabelledCounts(registry, {
      name: 'portcullis_refresh_reuse_detected_total',
      help: 'Consumed refresh tokens presented again, each revoking its family',
      labels: [],
    });
    this.lockouts = new LabelledCounts(registry, {
      name: 'portcullis_lockouts_total',
      help: 'Accounts and clients locked after failed attempts, by event (login.locked, client.locked)',
      labels: ['type'],
    });
    this.upstreamFailures = new LabelledCounts(registry, {
      name: 'portcullis_upstream_failures_total',
      help: 'Upstream calls that failed (unreachable, timed out, 5xx after the retries, or no JSON), by provider',
      labels: ['provider'],
    });
    this.auditLost = new LabelledCounts(registry, {
      name: 'portcullis_audit_rows_lost_total',
      help: 'Audit rows that could not be written after their change committed, by event type',
      labels: ['type'],
    });
    this.upstreamLatency = new Histogram({
      name: 'portcullis_upstream_request_duration_seconds',
      help: 'Time an upstream call took, retries included, by provider',
      labelNames: ['provider'],
      buckets: UPSTREAM_BUCKETS,
      registers: [registry],
    });
  }

  /** An audit row lost: its change happened, the trail does not say so. */
  auditRowLost(type: string): void {
    this.auditLost.add(type);
  }

  tokenIssued(grantType: string): void {
    this.issued.add(grantType);
  }

  /** An answer carrying an RFC error code, on the route pattern it was given for. */
  refused(route: string, error: string): void {
    this.refusals.add(route, error);
  }

  refreshReuseDetected(): void {
    this.reuses.add();
  }

  locked(type: Lockout): void {
    this.lockouts.add(type);
  }

  /** One call to a provider, however it ended; `failed` when it was never answered. */
  upstreamCall(provider: string, seconds: number, failed: boolean): void {
    this.upstreamLatency.observe({ provider }, seconds);
    if (failed) this.upstreamFailures.add(provider);
  }
}
