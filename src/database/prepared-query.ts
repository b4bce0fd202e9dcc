import type pg from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The key, in the data source's `extra` pool options, that allows named statements. pg's pool
 * ignores it; it lives there so that the data source carries its own setting.
 */
export const NAMED_STATEMENTS_OPTION = 'portcullisNamedStatements';

/** Whether `dataSource` was opened with named prepared statements allowed. */
export function namedStatementsAllowed(dataSource: DataSource): boolean {
  const { extra } = dataSource.options as { extra?: Record<string, unknown> };
  return extra?.[NAMED_STATEMENTS_OPTION] === true;
}

/**
 * Runs a hot statement straight on the driver's pool. With named statements allowed
 * (DATABASE_PREPARED_STATEMENTS) it is parsed and planned once per connection instead of on
 * every call (planning alone cost more than executing the refresh rotation). Otherwise it is
 * an unnamed statement: a transaction pooler (PgBouncer before 1.21, or without
 * max_prepared_statements) hands each transaction any server connection, where a name
 * prepared on another one is missing or already taken. Falls back to TypeORM's query when the
 * pool is not a pg one.
 */
export async function preparedQuery<T>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master?: pg.Pool }).master;
  if (!pool) return dataSource.query<T[]>(text, values);
  const query = namedStatementsAllowed(dataSource) ? { name, text, values } : { text, values };
  return (await pool.query<T & pg.QueryResultRow>(query)).rows;
}
