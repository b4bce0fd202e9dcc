import type { AppConfig } from '../config/app-config.js';

/** How a table partitioned by month on a timestamp column is kept (MonthlyPartitions). */
export interface MonthlyPartitioning {
  /** The partition key: a timestamptz column, part of the primary key. */
  readonly column: string;
  /** Days a row is kept, from the configuration; undefined keeps every partition. */
  readonly retentionDays: (config: AppConfig) => number | undefined;
}

const partitionings = new WeakMap<object, MonthlyPartitioning>();

/**
 * Declares that this entity's table is range-partitioned by month (its migration makes it so,
 * as TypeORM does not model partitioning), for ExpiredRowsSweeper: it creates the partitions
 * ahead and drops those past retention.
 */
export function PartitionedByMonth(partitioning: MonthlyPartitioning): ClassDecorator {
  return (target) => {
    partitionings.set(target, partitioning);
  };
}

/** What `PartitionedByMonth` declared for an entity class, if anything. */
export function monthlyPartitioningOf(target: unknown): MonthlyPartitioning | undefined {
  return typeof target === 'function' ? partitionings.get(target) : undefined;
}
