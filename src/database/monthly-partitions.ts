import type { EntityManager } from 'typeorm';

/** The schema holding every partition, so that `public` lists only the tables themselves. */
export const PARTITIONS_SCHEMA = 'partitions';
/** Months created ahead of the current one: the sweeper has weeks to run before they are needed. */
export const MONTHS_AHEAD = 2;
/** Rows the default partition may hold past retention, deleted per run at most. */
const DEFAULT_PRUNE_BATCH = 10_000;

export interface PartitionChanges {
  created: string[];
  dropped: string[];
}

/** The first instant (UTC) of the month `months` after the one holding `instant`. */
export function monthStart(instant: Date, months = 0): Date {
  return new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth() + months, 1));
}

/** `audit_events_y2026m12`: the partition of `table` for the month starting at `month`. */
export function partitionName(table: string, month: Date): string {
  const mm = String(month.getUTCMonth() + 1).padStart(2, '0');
  return `${table}_y${month.getUTCFullYear()}m${mm}`;
}

/** The month a partition name stands for, or undefined for the default or a foreign table. */
function monthOf(table: string, name: string): Date | undefined {
  const match = new RegExp(`^${table}_y(\\d{4})m(\\d{2})$`).exec(name);
  return match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)) : undefined;
}

/**
 * Keeps a table range-partitioned by month on `column`: creates the current month and
 * MONTHS_AHEAD more when missing (moving in any rows its DEFAULT partition caught for them),
 * and drops every month that ended more than `retentionDays` ago. Safe when several instances
 * run it at once: the caller holds a transaction-level lock, and every statement is
 * conditional on what the catalog shows inside that transaction.
 */
export async function maintainMonthlyPartitions(
  manager: EntityManager,
  table: string,
  column: string,
  retentionDays: number | undefined,
  now: Date,
): Promise<PartitionChanges> {
  // A DDL lock waited for behind a long read would stall the inserts queued behind it.
  await manager.query(`SET LOCAL lock_timeout = '5s'`);
  const existing = new Set(
    (
      await manager.query<{ name: string }[]>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = $1::regclass`,
        [table],
      )
    ).map((row) => row.name),
  );
  const fallback = `${PARTITIONS_SCHEMA}.${table}_default`;
  const changes: PartitionChanges = { created: [], dropped: [] };

  for (let ahead = 0; ahead <= MONTHS_AHEAD; ahead++) {
    const from = monthStart(now, ahead);
    const name = partitionName(table, from);
    if (existing.has(name)) continue;
    const to = monthStart(now, ahead + 1);
    const partition = `${PARTITIONS_SCHEMA}.${name}`;
    await manager.query(`CREATE TABLE ${partition} (LIKE ${table} INCLUDING DEFAULTS)`);
    await manager.query(
      `WITH moved AS (DELETE FROM ${fallback} WHERE ${column} >= $1 AND ${column} < $2 RETURNING *)
        INSERT INTO ${partition} SELECT * FROM moved`,
      [from, to],
    );
    await manager.query(
      `ALTER TABLE ${table} ATTACH PARTITION ${partition}
        FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
    );
    changes.created.push(name);
  }

  if (retentionDays === undefined) return changes;
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  for (const name of existing) {
    const month = monthOf(table, name);
    if (month === undefined || monthStart(month, 1) > cutoff) continue;
    await manager.query(`DROP TABLE IF EXISTS ${PARTITIONS_SCHEMA}.${name}`);
    changes.dropped.push(name);
  }
  await manager.query(
    `DELETE FROM ${fallback} WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM ${fallback} WHERE ${column} < $1 LIMIT ${DEFAULT_PRUNE_BATCH}))`,
    [cutoff],
  );
  return changes;
}
