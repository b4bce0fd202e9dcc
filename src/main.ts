// First: tracing hooks the modules imported after it (src/tracing.ts).
import { stopTracing } from './tracing.js';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { configureApp, createHttpAdapter } from './app.setup.js';
import { installHttpDrain, type HttpDrain } from './common/http-drain.js';
import { ConfigurationError, validateEnvironment } from './config/environment.js';
import { openDatabase } from './database/open-database.js';
import { FEATURE_ENVIRONMENT_RULES } from './environment-rules.js';
import { announceStartup } from './startup-banner.js';

/** config → database (embedded or DATABASE_URL) → migrations (in DatabaseModule) → listen */
async function bootstrap(): Promise<void> {
  let environment;
  try {
    environment = validateEnvironment(process.env, FEATURE_ENVIRONMENT_RULES);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    for (const problem of error.problems) process.stderr.write(`configuration error: ${problem}\n`);
    process.exit(1);
  }

  const database = await openDatabase(environment, (line) => {
    if (environment.LOG_LEVEL === 'debug' || environment.LOG_LEVEL === 'trace') {
      process.stderr.write(`[embedded-postgres] ${line}\n`);
    }
  });
  // The embedded server is one way of providing DATABASE_URL; the app reads only that.
  process.env.DATABASE_URL = database.url;
  // No pooler stands between the server and its embedded PostgreSQL: unless told otherwise,
  // its hot statements are named, planned once per connection (bench/README.md has the gain).
  if (database.embedded) process.env.DATABASE_PREPARED_STATEMENTS ??= 'true';

  let app: NestFastifyApplication;
  let http: HttpDrain;
  try {
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.register(),
      createHttpAdapter(environment),
      {
        bufferLogs: true,
        abortOnError: false,
      },
    );
    await configureApp(app);
    http = installHttpDrain(app.getHttpAdapter().getInstance());
    await app.listen(environment.PORT, environment.HOST);
  } catch (error) {
    await database.stop();
    throw error;
  }
  announceStartup(app, database);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`received ${signal}, shutting down\n`);
    // Outside in: no new connections and the requests in progress answered, then the app's
    // own hooks (group commits flushed, the pool closed), then the embedded database.
    void http
      .drain()
      .then((finished) => {
        if (!finished)
          process.stderr.write('requests still running at the drain timeout were cut\n');
        return app.close();
      })
      .then(() => database.stop())
      .then(stopTracing)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `Portcullis failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
