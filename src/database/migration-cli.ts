/* eslint-disable no-console -- a command-line tool speaks on the console */
import 'reflect-metadata';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { ConfigurationError, validateEnvironment } from '../config/environment.js';
import { dataSourceOptions } from './data-source.options.js';
import { openDatabase } from './open-database.js';
import { runMigrations } from './run-migrations.js';

const MIGRATIONS_DIR = path.resolve('migrations');
const USAGE = 'usage: migration-cli run | generate <Name> | revert';

/** Writes a migration holding what the entities need and the schema lacks. */
async function generate(dataSource: DataSource, name: string): Promise<void> {
  if (!/^[A-Z][A-Za-z0-9]{0,80}$/.test(name))
    throw new Error('the name must be PascalCase, e.g. AddUserScopes');
  const { upQueries, downQueries } = await dataSource.driver.createSchemaBuilder().log();
  if (upQueries.length === 0) {
    console.log('the schema already matches the entities; no migration written');
    return;
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const literal = (sql: string) => '`' + sql.replace(/[`\\]|\$\{/g, (c) => `\\${c}`) + '`';
  const statement = (query: { query: string; parameters?: unknown[] }) =>
    `    await queryRunner.query(${literal(query.query)}${
      query.parameters?.length ? `, ${JSON.stringify(query.parameters)}` : ''
    });`;
  const source = `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${upQueries.map(statement).join('\n')}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${downQueries.reverse().map(statement).join('\n')}
  }
}
`;
  const file = path.join(MIGRATIONS_DIR, `${timestamp}-${name}.ts`);
  await writeFile(file, source);
  await writeIndex();
  console.log(`wrote ${path.relative(process.cwd(), file)}; review it, then npm run build`);
}

/** Regenerates migrations/index.ts from the files in migrations/, oldest first. */
async function writeIndex(): Promise<void> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((file) => /^\d+-\w+\.ts$/.test(file)).sort();
  const classes = files.map((file) => {
    const [timestamp, name] = file.replace(/\.ts$/, '').split('-');
    return { file, className: `${name}${timestamp}` };
  });
  const index = `// Every migration, oldest first. \`npm run migration:generate\` rewrites this list.
${classes.map((c) => `import { ${c.className} } from './${c.file.replace(/\.ts$/, '.js')}';`).join('\n')}

export const migrations = [${classes.map((c) => c.className).join(', ')}];
`;
  await writeFile(path.join(MIGRATIONS_DIR, 'index.ts'), index);
}

async function main(): Promise<void> {
  const [command, name = ''] = process.argv.slice(2);
  if (!['run', 'generate', 'revert'].includes(command ?? '') || (command === 'generate' && !name)) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const environment = validateEnvironment(process.env);
  const database = await openDatabase(environment, undefined, { attach: true });
  const dataSource = new DataSource(dataSourceOptions(database.url));
  try {
    await dataSource.initialize();
    if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
      return;
    }
    const applied = await runMigrations(dataSource);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
    if (command === 'generate') await generate(dataSource, name);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigurationError || error instanceof Error ? error.message : error,
  );
  process.exitCode = 1;
});
