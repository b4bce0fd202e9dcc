import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { PinoLogger } from 'nestjs-pino';
import { AdminClientBootstrap } from './clients/admin-client.bootstrap.js';
import { AppConfig } from './config/app-config.js';
import { databaseAddress } from './database/database-address.js';
import type { RunningDatabase } from './database/running-database.js';

/** What a newcomer needs once the server listens: where it is and what it runs on. No secret. */
export interface StartupFacts {
  listening: string;
  issuer: string;
  discovery: string;
  docs: string;
  admin: string;
  database: { embedded: true; dataDirectory: string } | { embedded: false; address: string };
  /** How hot statements are sent (DATABASE_PREPARED_STATEMENTS): named only where no pooler is. */
  statements: 'named' | 'unnamed';
  /** Set on the boot that generated the admin client: where its credentials are. */
  adminCredentialsFile?: string;
}

export function startupFacts(
  config: Pick<AppConfig, 'issuer' | 'databasePreparedStatements'>,
  address: AddressInfo,
  database: Pick<RunningDatabase, 'url' | 'embedded' | 'dataDirectory'>,
  adminCredentialsFile: string | undefined,
): StartupFacts {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    listening: `http://${host}:${address.port}`,
    issuer: config.issuer,
    discovery: `${config.issuer}/.well-known/openid-configuration`,
    docs: `${config.issuer}/docs`,
    admin: `${config.issuer}/admin`,
    database:
      database.embedded && database.dataDirectory
        ? { embedded: true, dataDirectory: database.dataDirectory }
        : { embedded: false, address: databaseAddress(database.url) },
    statements: config.databasePreparedStatements ? 'named' : 'unnamed',
    ...(adminCredentialsFile ? { adminCredentialsFile } : {}),
  };
}

/** The facts as a block of text for a terminal. */
export function bannerText(facts: StartupFacts): string {
  const rows: [string, string][] = [
    ['issuer', facts.issuer],
    ['listening on', facts.listening],
    ['discovery', facts.discovery],
    ['API docs', facts.docs],
    ['admin API', facts.admin],
    [
      'database',
      facts.database.embedded
        ? `embedded PostgreSQL, data in ${facts.database.dataDirectory}`
        : `PostgreSQL at ${facts.database.address} (DATABASE_URL)`,
    ],
    [
      'statements',
      facts.statements === 'named'
        ? 'named, prepared once per connection (DATABASE_PREPARED_STATEMENTS)'
        : 'unnamed, safe behind a transaction pooler (DATABASE_PREPARED_STATEMENTS)',
    ],
  ];
  if (facts.adminCredentialsFile) rows.push(['admin credentials', facts.adminCredentialsFile]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return ['Portcullis is ready', ...rows.map(([l, v]) => `  ${l.padEnd(width)}  ${v}`)].join('\n');
}

/**
 * Logs, once the server listens, where it is: at info, as a block of text in pretty logs and
 * as one line with the same facts as fields in JSON logs.
 */
export function announceStartup(app: NestFastifyApplication, database: RunningDatabase): void {
  const config = app.get(AppConfig);
  const facts = startupFacts(
    config,
    app.getHttpServer().address() as AddressInfo,
    database,
    app.get(AdminClientBootstrap).credentialsFile,
  );
  if (config.logFormat === 'pretty') PinoLogger.root.info(bannerText(facts));
  else PinoLogger.root.info({ startup: facts }, 'Portcullis is ready');
}
