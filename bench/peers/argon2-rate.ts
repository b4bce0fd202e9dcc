/**
 * The raw argon2id hash rate with Portcullis's options: how many password checks per second the
 * password grant could ever answer. Keeps CONCURRENCY hashes in flight for DURATION_SECONDS (the
 * harness pins this process to one core, so the number is per core), then prints one JSON line:
 *
 *   {"hashesPerSecond": 75.2, "hashes": 376, "seconds": 5.0, "concurrency": 1, "options": {...}}
 *
 *   DURATION_SECONDS=5 CONCURRENCY=1 node dist/bench/peers/argon2-rate.js
 */
import { hash } from '@node-rs/argon2';
import { ARGON2_OPTIONS } from '../../src/users/password-hasher.service.js';

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const DURATION_SECONDS = positive('DURATION_SECONDS', 5);
const CONCURRENCY = Math.floor(positive('CONCURRENCY', 1));
const PASSWORD = 'bench-password';

async function main(): Promise<void> {
  await hash(PASSWORD, ARGON2_OPTIONS); // warm-up: first allocation, thread pool start

  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(DURATION_SECONDS * 1e9));
  let hashes = 0;

  // Each worker hashes back to back until the deadline, exactly as PasswordHasher.hash does
  // (library-generated random salt every time).
  const worker = async (): Promise<void> => {
    while (process.hrtime.bigint() < deadline) {
      await hash(PASSWORD, ARGON2_OPTIONS);
      hashes += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = {
    hashesPerSecond: Math.round((hashes / seconds) * 100) / 100,
    hashes,
    seconds: Math.round(seconds * 1000) / 1000,
    concurrency: CONCURRENCY,
    options: { algorithm: 'argon2id', ...ARGON2_OPTIONS },
  };
  console.log(JSON.stringify(result));
}

// Nothing to close: an interrupted measurement is no measurement, so leave without a line.
process.once('SIGTERM', () => process.exit(143));

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
