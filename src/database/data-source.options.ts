import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';
import { NAMED_STATEMENTS_OPTION } from './prepared-query.js';

export interface DatabaseTuning {
  /** Named prepared statements for hot statements (DATABASE_PREPARED_STATEMENTS). */
  namedStatements?: boolean;
}

export function dataSourceOptions(url: string, tuning: DatabaseTuning = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built into PostgreSQL 13+; no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // Fail fast when the database is unreachable instead of queueing requests forever.
    extra: {
      max: 10,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30000,
      [NAMED_STATEMENTS_OPTION]: tuning.namedStatements === true,
    },
  };
}
