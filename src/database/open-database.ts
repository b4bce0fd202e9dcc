import type { Environment } from '../config/environment.js';
import { EmbeddedPostgresLauncher } from './embedded-postgres.launcher.js';
import type { RunningDatabase } from './running-database.js';

/**
 * DATABASE_URL when it is set; otherwise the embedded PostgreSQL under DATA_DIR. With
 * `attach` (command-line tools), an embedded server already run by a Portcullis process is
 * used as it is, and left running.
 */
export async function openDatabase(
  environment: Pick<Environment, 'DATABASE_URL' | 'DATA_DIR' | 'EMBEDDED_PG_PORT'>,
  log?: (line: string) => void,
  options: { attach?: boolean } = {},
): Promise<RunningDatabase> {
  if (environment.DATABASE_URL) {
    return { url: environment.DATABASE_URL, embedded: false, stop: () => Promise.resolve() };
  }
  const launcher = new EmbeddedPostgresLauncher({
    dataDir: environment.DATA_DIR,
    port: environment.EMBEDDED_PG_PORT,
    log,
  });
  return (options.attach ? await launcher.attach() : undefined) ?? launcher.start();
}
