import { createRequire } from 'node:module';
import { startTracing } from './common/tracing-sdk.js';
import { validateEnvironment } from './config/environment.js';

/**
 * Imported first by main.ts, so that the SDK's hooks are in place before pg, Fastify and
 * node:http load (ES modules evaluate their imports in order, and this one is synchronous).
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then nothing of the SDK is even loaded.
 * A malformed environment starts nothing here; main.ts reports it.
 */
function tracingEnvironment() {
  try {
    return validateEnvironment(process.env);
  } catch {
    return undefined;
  }
}

const environment = tracingEnvironment();
const stop = environment?.OTEL_EXPORTER_OTLP_ENDPOINT
  ? startTracing(createRequire(import.meta.url), {
      endpoint: environment.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: environment.OTEL_SERVICE_NAME,
    })
  : undefined;

/** Sends the spans still buffered; nothing when tracing is off. */
export async function stopTracing(): Promise<void> {
  await stop?.();
}
