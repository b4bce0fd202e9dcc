import fc from 'fast-check';

/**
 * How long the fuzz properties run. CI runs a few dozen cases per property; `npm run fuzz`
 * sets FUZZ_RUNS=2000. A failure prints fast-check's seed and path: run again with
 * FUZZ_SEED=<seed> FUZZ_PATH=<path> to replay exactly that case.
 */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 50);

/** A jest timeout that grows with the number of runs (each request is a few milliseconds). */
export const PROPERTY_TIMEOUT_MS = Math.max(60_000, FUZZ_RUNS * 300);

export function fuzzParameters<T>(): fc.Parameters<T> {
  const seed = process.env.FUZZ_SEED;
  return {
    numRuns: FUZZ_RUNS,
    ...(seed !== undefined ? { seed: Number(seed), path: process.env.FUZZ_PATH } : {}),
    // Shrinking talks to the server too: stop it before jest's timeout would hide the report.
    interruptAfterTimeLimit: PROPERTY_TIMEOUT_MS - 10_000,
    markInterruptAsFailure: false,
  };
}

/** Asserts an async property with the fuzz parameters; the error names seed and path. */
export async function fuzz<T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>) {
  await fc.assert(fc.asyncProperty(arbitrary, check), fuzzParameters<[T]>());
}
