import type { DataSource } from 'typeorm';
import { GroupCommit } from './group-commit.js';
import { preparedQuery } from './prepared-query.js';

/**
 * Rows of concurrent requests inserted by one statement and one commit (GroupCommit), each
 * caller resolved once its row is committed. `sql` takes the whole batch as `$1`, one JSON
 * array: serializing it is one native JSON.stringify, where text arrays cost the driver an
 * escaping pass per value and a formatted string per timestamp.
 */
export function jsonBatchInsert<Row>(
  dataSource: DataSource,
  statementName: string,
  sql: string,
): GroupCommit<Row, void> {
  return new GroupCommit<Row, void>({
    write: async (rows) => {
      await preparedQuery(dataSource, statementName, sql, [JSON.stringify(rows)]);
      return rows.map(() => undefined);
    },
    maxBatch: 500,
    maxInFlight: 3,
    minIntervalMs: 1,
  });
}
