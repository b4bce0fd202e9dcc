import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { LOCKS } from './advisory-lock.js';
import { maintainMonthlyPartitions } from './monthly-partitions.js';
import { monthlyPartitioningOf } from './partitioned-by-month.decorator.js';
import { sweepConditionOf } from './swept-when.decorator.js';

const INTERVAL_MS = 10 * 60 * 1000;
/** The next run comes this soon while a table still had a full batch to delete. */
const BACKLOG_INTERVAL_MS = 10 * 1000;
/** Rows deleted per table per run at most, so one run never becomes a long, heavy statement. */
export const SWEEP_BATCH = 10_000;

/**
 * Deletes rows whose only purpose has passed, in every table whose entity declares when
 * (`@SweptWhen`): seen assertion jtis and access-token ids after their tokens expired, expired
 * refresh tokens and families, login counters idle for a day, and the like. One instance at a
 * time does it (advisory try-lock), at most SWEEP_BATCH rows per table per run; at boot and every ten minutes, or every ten seconds
 * while a backlog remains. Tables partitioned by month (`@PartitionedByMonth`) get their next
 * months created and their months past retention dropped, in a transaction of their own.
 */
@Injectable()
export class ExpiredRowsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Sweeper');
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

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

  /** Each swept table and its condition, as the entities declare them. */
  private rules(): [string, string][] {
    return this.dataSource.entityMetadatas.flatMap((entity) => {
      const expired = sweepConditionOf(entity.target);
      return expired === undefined ? [] : [[entity.tableName, expired] as [string, string]];
    });
  }

  /** Held until the transaction ends, so it never outlives it on a pooled connection. */
  private async lock(manager: EntityManager): Promise<boolean> {
    const [{ locked }] = await manager.query<{ locked: boolean }[]>(
      'SELECT pg_try_advisory_xact_lock($1) AS locked',
      [LOCKS.sweeper],
    );
    return locked;
  }

  /** Creates the months ahead and drops those past retention, for every partitioned table. */
  async maintainPartitions(now = new Date()): Promise<void> {
    for (const entity of this.dataSource.entityMetadatas) {
      const partitioning = monthlyPartitioningOf(entity.target);
      if (!partitioning) continue;
      try {
        const changes = await this.dataSource.transaction(async (manager) =>
          (await this.lock(manager))
            ? maintainMonthlyPartitions(
                manager,
                entity.tableName,
                partitioning.column,
                partitioning.retentionDays(this.config),
                now,
              )
            : undefined,
        );
        if (changes?.created.length)
          this.logger.log(`created partitions ${changes.created.join(', ')}`);
        if (changes?.dropped.length)
          this.logger.log(`dropped partitions past retention ${changes.dropped.join(', ')}`);
      } catch (error) {
        this.logger.warn(
          `maintaining the partitions of ${entity.tableName} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  /** One run; true when some table had more expired rows than one batch. */
  async sweep(): Promise<boolean> {
    await this.maintainPartitions();
    try {
      return await this.dataSource.transaction(async (manager) => {
        if (!(await this.lock(manager))) return false;
        let backlog = false;
        for (const [table, expired] of this.rules()) {
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
