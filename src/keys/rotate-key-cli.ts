/* eslint-disable no-console -- a command-line tool speaks on the console */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { ConfigurationError, validateEnvironment } from '../config/environment.js';
import { openDatabase } from '../database/open-database.js';
import { FEATURE_ENVIRONMENT_RULES } from '../environment-rules.js';
import { KeysService } from './keys.service.js';
import { isSigningAlg, SIGNING_ALGS } from './signing-algorithms.js';

/**
 * `npm run keys:rotate [-- <alg>]`: the same rotation as POST /admin/keys/rotate, from a
 * shell: every algorithm's key, or the one named. It uses DATABASE_URL, or the embedded
 * database (the running server's, when there is one). Running servers pick the new keys up
 * within 30 seconds.
 */
async function main(): Promise<void> {
  const alg = process.argv[2];
  if (alg !== undefined && !isSigningAlg(alg)) {
    throw new Error(`usage: keys:rotate [${SIGNING_ALGS.join(' | ')}]`);
  }
  const environment = validateEnvironment(process.env, FEATURE_ENVIRONMENT_RULES);
  const database = await openDatabase(environment, undefined, { attach: true });
  process.env.DATABASE_URL = database.url;
  try {
    const app = await NestFactory.createApplicationContext(AppModule.register(), { logger: false });
    try {
      const { key, rotated } = await app.get(KeysService).rotate({}, alg);
      // The key named first is the one asked for, or SIGNING_ALG's: what signs access tokens.
      for (const row of [key, ...rotated.filter((other) => other !== key)]) {
        console.log(`rotated: ${row.kid} (${row.alg}) now signs ${row.alg} tokens`);
      }
      console.log('earlier keys stay published until their tokens expire');
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
