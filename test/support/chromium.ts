import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether browser tests can run here. In CI they must: a missing browser fails the run there
 * instead of skipping quietly.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true')
    throw new Error(`CI must run the browser tests, but ${CHROMIUM} is missing`);
  console.warn(
    `\n*** Browser tests SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium) ***\n`,
  );
  return false;
}

/** Flags for a headless Debian chromium in a sandbox-less, network-less machine. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
