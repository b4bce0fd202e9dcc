import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LOCKS } from './advisory-lock.js';

const INTERVAL_MS = 10 * 60 * 1000;
/** The next run comes this soon while a table still had a full batch to delete. */
const BACKLOG_INTERVAL_MS = 10 * 1000;
/** Rows deleted per table per run at most, so one run never becomes a long, heavy statement. */
export const SWEEP_BATCH = 10_000;

/** Each table, and when its rows have served their purpose. */
const EXPIRED: [string, string][] = [
  ['used_assertions', 'expires_at < now()'],
  ['revoked_access_tokens', 'expires_at < now()'],
  ['issued_access_tokens', 'expires_at < now()'],
  ['refresh_tokens', 'expires_at < now()'],
  ['refresh_token_families', 'expires_at < now()'],
  ['sessions', 'expires_at < now()'],
  ['authorization_requests', 'expires_at < now()'],
  ['upstream_sign_ins', 'expires_at < now()'],
  // Used codes stay a day, so a late replay still revokes what they issued.
  ['authorization_codes', "expires_at < now() - interval '1 day'"],
  [
    'login_throttles',
    "window_started_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())",
  ],
];

/**
 * Deletes rows whose only purpose has passed: seen assertion jtis and revoked access-token
 * ids after their tokens expired, expired refresh tokens and families, and login counters
 * idle for a day, and the like. One instance at a time does it (advisory try-lock), at most
 * SWEEP_BATCH rows per table per run; at boot and every ten minutes, or every ten seconds
 * while a backlog remains.
 */
@Injectable()
export class ExpiredRowsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Sweeper');
  private timer?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private stopped = false;

  async onApplicationBootstrap(): Promise<void> {
    this.schedule(await this.sweep());
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Each run stays bounded; a backlog is worked off by running more often, not longer. */
  private schedule(backlog: boolean): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => void this.sweep().then((more) => this.schedule(more)),
      backlog ? BACKLOG_INTERVAL_MS : INTERVAL_MS,
    );
    this.timer.unref();
  }

  /** One run; true when some table had more expired rows than one batch. */
  async sweep(): Promise<boolean> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const [{ locked }] = await manager.query<{ locked: boolean }[]>(
          'SELECT pg_try_advisory_xact_lock($1) AS locked',
          [LOCKS.sweeper],
        );
        if (!locked) return false;
        let backlog = false;
        for (const [table, expired] of EXPIRED) {
          // A bare DELETE answers [rows, count].
          const [, deleted] = await manager.query<[unknown[], number]>(
            `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${expired} LIMIT $1))`,
            [SWEEP_BATCH],
          );
          if (deleted >= SWEEP_BATCH) backlog = true;
        }
        return backlog;
      });
    } catch (error) {
      this.logger.warn(
        `sweeping expired rows failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    }
  }
}
