import type { Environment } from '../config/environment.js';
import { EmbeddedPostgresLauncher } from './embedded-postgres.launcher.js';
import type { RunningDatabase } from './running-database.js';

/** DATABASE_URL when it is set; otherwise the embedded PostgreSQL under DATA_DIR. */
export async function openDatabase(
  environment: Pick<Environment, 'DATABASE_URL' | 'DATA_DIR' | 'EMBEDDED_PG_PORT'>,
  log?: (line: string) => void,
): Promise<RunningDatabase> {
  if (environment.DATABASE_URL) {
    return { url: environment.DATABASE_URL, embedded: false, stop: () => Promise.resolve() };
  }
  return new EmbeddedPostgresLauncher({
    dataDir: environment.DATA_DIR,
    port: environment.EMBEDDED_PG_PORT,
    log,
  }).start();
}
