import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { AppConfig } from '../config/app-config.js';
import { ChangeFeed } from '../database/change-feed.service.js';
import { ChangedRowsCache } from '../database/changed-rows.cache.js';
import { countFailure } from '../database/failure-counter.js';
import { preparedQuery } from '../database/prepared-query.js';
import { OperationsMetrics } from '../metrics/operations-metrics.js';

/** Failures of one client_id from one address (an address never holds a space). */
const clientKey = (ip: string, clientId: string) => `client:${ip} ${clientId}`;
/** Failures of any client_id from one address. */
const addressKey = (ip: string) => `client-ip:${ip}`;

/** When a counter's lock ends (epoch ms, this process's clock), or null when not locked. */
type LockState = { lockedUntil: number | null };

/**
 * Throttles client authentication (RFC 6819 §4.3.2, online guessing of a client secret):
 * failures are counted in the database per client_id and address and per address, and a
 * counter at its limit locks that pair (or address) for the lock period. While locked, every
 * authentication there is refused with 429 before its credentials are looked at — the right
 * secret too, so a lock never answers a guess. Secrets are 256-bit random, so the lock is
 * never what keeps them safe; it stops one source from spending the server on guesses, and
 * it does not lock a client for everyone, which would hand anyone who knows a client_id (it
 * is public) a way to shut that client out.
 *
 * Every authentication asks whether it is locked: the answers are cached, and the change
 * feed drops one as soon as its counter changes on any instance.
 */
@Injectable()
export class ClientAuthThrottle {
  private readonly locks: ChangedRowsCache<LockState>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly metrics: OperationsMetrics,
    feed: ChangeFeed,
  ) {
    this.locks = new ChangedRowsCache(feed, 'login_throttles', {
      maxEntries: 10_000,
      ttlOf: (state) => (state.lockedUntil === null ? Infinity : state.lockedUntil - Date.now()),
    });
  }

  /** Throws 429 with Retry-After while the client_id at this address, or the address, is locked. */
  async assertNotLocked(ip: string, clientId: string | undefined): Promise<void> {
    const keys =
      clientId === undefined ? [addressKey(ip)] : [clientKey(ip, clientId), addressKey(ip)];
    const states = await Promise.all(keys.map((key) => this.locks.get(key, () => this.load(key))));
    const until = Math.max(0, ...states.map((state) => state.lockedUntil ?? 0));
    const seconds = Math.ceil((until - Date.now()) / 1000);
    if (seconds <= 0) return;
    throw new OAuthError(
      'too_many_requests',
      `too many failed client authentications from this address; try again in ${seconds} seconds`,
      { headers: { 'Retry-After': String(seconds) } },
    );
  }

  /** Counts a failed authentication against the client_id at this address and the address. */
  async recordFailure(ip: string, clientId: string | undefined): Promise<void> {
    const { maxFailuresPerClient, maxFailuresPerIp, lockSeconds } = this.config.clientAuthThrottle;
    const counters: [string, number][] = [[addressKey(ip), maxFailuresPerIp]];
    if (clientId !== undefined) counters.unshift([clientKey(ip, clientId), maxFailuresPerClient]);
    for (const [key, limit] of counters) {
      const locked = await countFailure(this.dataSource, key, limit, lockSeconds);
      // This instance need not wait for the notification of its own change.
      this.locks.forget(key);
      if (locked) {
        this.metrics.locked('client.locked');
        await this.audit.record({
          type: 'client.locked',
          clientId,
          ip,
          details: { key: key === addressKey(ip) ? 'ip' : 'client', lock_seconds: lockSeconds },
        });
      }
    }
  }

  private async load(key: string): Promise<LockState> {
    const [row] = await preparedQuery<{ ms: number | null }>(
      this.dataSource,
      'client-auth-lock',
      `SELECT CASE WHEN locked_until > now()
                   THEN ceil(extract(epoch FROM locked_until - now()) * 1000)::int END AS ms
         FROM login_throttles WHERE key = $1`,
      [key],
    );
    return { lockedUntil: row?.ms == null ? null : Date.now() + row.ms };
  }
}
