/**
 * Temporary files and children of a bench run, and their removal: at the end, on SIGINT or
 * SIGTERM, and as a last resort at exit.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signalAll, stopAll } from './processes.js';

const cleanups: (() => Promise<void>)[] = [];
let tempRoot = '';
const dataDirs: string[] = [];
let cleaning: Promise<void> | undefined;

/** Runs at cleanup, after the children are stopped; the last added runs first. */
export function onCleanup(task: () => Promise<void>): void {
  cleanups.push(task);
}

/** Makes the run's temporary directory (logs), removed at cleanup. */
export async function makeTempRoot(): Promise<void> {
  tempRoot = await mkdtemp(path.join(os.tmpdir(), 'portcullis-bench-'));
  const root = tempRoot;
  onCleanup(() => rm(root, { recursive: true, force: true }));
}

/** A path in the run's temporary directory. */
export const tempPath = (name: string) => path.join(tempRoot, name);

/**
 * A DATA_DIR for one Portcullis server, removed at cleanup. Its own directory right under the
 * temp dir: when run as root, the embedded PostgreSQL runs as the postgres OS user, which must
 * be able to enter every parent of DATA_DIR.
 */
export async function makeDataDir(): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-bench-data-'));
  dataDirs.push(dataDir);
  onCleanup(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAll().catch((error: unknown) => console.error('stopping children:', error));
    for (const task of cleanups.reverse()) {
      await task().catch((error: unknown) => console.error('cleanup:', error));
    }
  })();
  return cleaning;
}

let interrupted = false;
function onSignal(signal: NodeJS.Signals, code: number): void {
  if (interrupted) {
    signalAll('SIGKILL');
    process.exit(code);
  }
  interrupted = true;
  console.error(`\n${signal}: stopping the servers and removing temporary files…`);
  void cleanup().finally(() => process.exit(code));
}

/** Stops the children and removes the temporary files however the run ends. */
export function cleanUpOnExit(): void {
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('exit', () => {
    signalAll('SIGTERM');
    if (cleaning) return;
    for (const dir of [tempRoot, ...dataDirs])
      if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
