import type { DataSource } from 'typeorm';
import { LOCKS, withAdvisoryLock } from './advisory-lock.js';

/** Brings the schema up to date; safe when several instances boot at once. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = await withAdvisoryLock(dataSource, LOCKS.migrations, () =>
    dataSource.runMigrations({ transaction: 'each' }),
  );
  return applied.map((migration) => migration.name);
}
