import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';

export function dataSourceOptions(url: string): DataSourceOptions {
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
    extra: { max: 10, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30000 },
  };
}
