import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { countFailure } from '../database/failure-counter.js';
import { preparedQuery } from '../database/prepared-query.js';
import { OperationsMetrics } from '../metrics/operations-metrics.js';
import { LoginLockedError } from './login-locked.error.js';

const accountKey = (username: string) => `account:${username.toLowerCase()}`;
const ipKey = (ip: string) => `ip:${ip}`;

/**
 * Counts failed sign-ins per account and per remote address in PostgreSQL, so every
 * instance sees the same count. Too many failures within the lock period lock the account
 * (or address) for that period; a success clears the account's count.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly metrics: OperationsMetrics,
  ) {}

  /**
   * Throws LoginLockedError (429) when the account or the address is locked. Answers whether the account has
   * failures counted, so that a success need not clear a count that is not there.
   */
  async assertNotLocked(username: string, ip: string): Promise<{ accountFailures: boolean }> {
    const account = accountKey(username);
    const rows = await preparedQuery<{ key: string; seconds: number | null }>(
      this.dataSource,
      'login-throttle-state',
      `SELECT key, CASE WHEN locked_until > now()
                        THEN ceil(extract(epoch FROM locked_until - now()))::int END AS seconds
         FROM login_throttles WHERE key = ANY($1)`,
      [[account, ipKey(ip)]],
    );
    const locked = rows.filter((row) => row.seconds !== null);
    if (locked.length === 0) return { accountFailures: rows.some((row) => row.key === account) };
    const seconds = Math.max(1, ...locked.map((row) => row.seconds!));
    const what = locked.some((row) => row.key === account) ? 'this account' : 'this address';
    throw new LoginLockedError(what, seconds);
  }

  /** Counts a failure against both the account and the address; locks either at its limit. */
  async recordFailure(username: string, ip: string, clientId?: string): Promise<void> {
    const { maxFailuresPerAccount, maxFailuresPerIp, lockSeconds } = this.config.loginThrottle;
    for (const [key, limit] of [
      [accountKey(username), maxFailuresPerAccount],
      [ipKey(ip), maxFailuresPerIp],
    ] as const) {
      if (await countFailure(this.dataSource, key, limit, lockSeconds)) {
        this.metrics.locked('login.locked');
        await this.audit.record({
          type: 'login.locked',
          clientId,
          ip,
          details: {
            key: key.startsWith('account:') ? 'account' : 'ip',
            username,
            lock_seconds: lockSeconds,
          },
        });
      }
    }
  }

  async recordSuccess(username: string): Promise<void> {
    await preparedQuery(
      this.dataSource,
      'login-throttle-clear',
      'DELETE FROM login_throttles WHERE key = $1',
      [accountKey(username)],
    );
  }
}
