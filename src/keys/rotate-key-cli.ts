/* eslint-disable no-console -- a command-line tool speaks on the console */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { ConfigurationError, validateEnvironment } from '../config/environment.js';
import { openDatabase } from '../database/open-database.js';
import { FEATURE_ENVIRONMENT_RULES } from '../environment-rules.js';
import { KeysService } from './keys.service.js';

/**
 * `npm run keys:rotate`: the same rotation as POST /admin/keys/rotate, from a shell. It uses
 * DATABASE_URL, or the embedded database (the running server's, when there is one).
 * Running servers pick the new key up within 30 seconds.
 */
async function main(): Promise<void> {
  const environment = validateEnvironment(process.env, FEATURE_ENVIRONMENT_RULES);
  const database = await openDatabase(environment, undefined, { attach: true });
  process.env.DATABASE_URL = database.url;
  try {
    const app = await NestFactory.createApplicationContext(AppModule.register(), { logger: false });
    try {
      const key = await app.get(KeysService).rotate({});
      console.log(
        `rotated: ${key.kid} (${key.alg}) now signs; earlier keys stay published until their tokens expire`,
      );
    } finally {
      await app.close();
    }
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigurationError || error instanceof Error ? error.message : error,
  );
  process.exitCode = 1;
});
