import type { DataSource } from 'typeorm';

/** Keys of the session-level advisory locks that serialise boot work across instances. */
export const LOCKS = {
  migrations: 7_041_001,
  bootstrap: 7_041_002,
  sweeper: 7_041_003,
} as const;

/**
 * Runs `work` while holding a PostgreSQL advisory lock, so several instances booting on
 * one database do the same one-time work (schema, first key, admin client) one after another.
 */
export async function withAdvisoryLock<T>(
  dataSource: DataSource,
  key: number,
  work: () => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [key]);
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await runner.release();
  }
}
