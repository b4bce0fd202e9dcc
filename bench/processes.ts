import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
export { freePort } from '../src/common/ports.js';

export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

/** Pins this process (the load generator) to a core, so servers and load do not share one. */
export function pinSelf(core: number): void {
  if (hasTaskset) spawnSync('taskset', ['-cp', String(core), String(process.pid)]);
}

export interface Started {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts a node script on `core` (when taskset exists) and waits until `readyPath` answers 200. */
export async function startNode(
  script: string,
  env: Record<string, string>,
  readyPath: string,
  core: number,
): Promise<Started> {
  const port = Number(env.PORT);
  const command = hasTaskset ? 'taskset' : process.execPath;
  const args = hasTaskset ? ['-c', String(core), process.execPath, script] : [script];
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited:\n${output}`);
    const ok = await fetch(`${baseUrl}${readyPath}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${script} did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    child,
    baseUrl,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
