import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { OperationsMetrics } from '../metrics/operations-metrics.js';
import { upstreamUnavailable } from './upstream-error.js';

const RETRY_DELAYS_MS = [200, 600];

export interface UpstreamResponse {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Calls to upstream platforms: a timeout (UPSTREAM_TIMEOUT), retries with backoff on network
 * errors and 5xx only, and answers parsed as JSON. Refusals (4xx, error codes) are the
 * provider's to interpret.
 */
@Injectable()
export class UpstreamHttp {
  private readonly logger = new Logger('Upstream');

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: OperationsMetrics,
  ) {}

  /** A call to `provider` (the label of its latency and failures in /metrics). */
  async request(
    provider: string,
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<UpstreamResponse> {
    const started = performance.now();
    let failed = true;
    try {
      const response = await this.attempt(url, init);
      failed = false;
      return response;
    } finally {
      this.metrics.upstreamCall(provider, (performance.now() - started) / 1000, failed);
    }
  }

  private async attempt(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<UpstreamResponse> {
    let lastProblem = '';
    let timedOut = false;
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      if (attempt > 0)
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt - 1]));
      try {
        const response = await fetch(url, {
          ...init,
          signal: AbortSignal.timeout(this.config.upstreamTimeoutMs),
        });
        const text = await response.text();
        if (response.status >= 500) {
          lastProblem = `answered ${response.status}`;
          timedOut = false;
          continue;
        }
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          throw upstreamUnavailable(
            `${new URL(url).host} answered ${response.status} without JSON`,
          );
        }
        return { status: response.status, body };
      } catch (error) {
        if (error instanceof Error && error.name === 'OAuthError') throw error;
        timedOut =
          error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        lastProblem = timedOut
          ? `timed out after ${this.config.upstreamTimeoutMs} ms`
          : 'could not be reached';
      }
    }
    this.logger.warn(`upstream ${new URL(url).host} ${lastProblem}`);
    throw upstreamUnavailable(`${new URL(url).host} ${lastProblem}`, timedOut);
  }
}
