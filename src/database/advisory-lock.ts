import type { DataSource } from 'typeorm';

/** Keys of the advisory locks that serialise boot work across instances. */
export const LOCKS = {
  migrations: 7_041_001,
  bootstrap: 7_041_002,
  sweeper: 7_041_003,
} as const;

/**
 * Runs `work` while holding a PostgreSQL advisory lock, so several instances booting on
 * one database do the same one-time work (schema, first key, admin client) one after another.
 *
 * The lock is a transaction-level one, held by a transaction left open on its own connection
 * until `work` is done: a transaction pooler (PgBouncer in transaction mode) keeps that
 * transaction on one server connection, whereas a session-level lock would be taken on one
 * server connection and released (or not) on another. `work` runs on other connections.
 */
export async function withAdvisoryLock<T>(
  dataSource: DataSource,
  key: number,
  work: () => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    try {
      await runner.query('SELECT pg_advisory_xact_lock($1)', [key]);
      const result = await work();
      await runner.commitTransaction();
      return result;
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release();
  }
}
