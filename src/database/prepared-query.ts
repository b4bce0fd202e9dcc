import type pg from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs a hot statement as a named prepared statement straight on the driver's pool: parsed
 * and planned once per connection instead of on every call (planning alone cost more than
 * executing the refresh rotation). Falls back to TypeORM's query when the pool is not a pg one.
 */
export async function preparedQuery<T>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master?: pg.Pool }).master;
  if (!pool) return dataSource.query<T[]>(text, values);
  return (await pool.query<T & pg.QueryResultRow>({ name, text, values })).rows;
}
