import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import os from 'node:os';
export { freePort } from '../src/common/ports.js';

export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

/** Pins this process (the load generator) to a core, so servers and load do not share one. */
export function pinSelf(core: number): void {
  if (hasTaskset) spawnSync('taskset', ['-cp', String(core), String(process.pid)]);
}

export interface Started {
  child: ChildProcess;
  /** The server's own pid (taskset execs node, so it is the node process). */
  pid: number;
  baseUrl: string;
  /** The last 64 KiB of what the process wrote to stdout and stderr. */
  output: () => string;
  stop: () => Promise<void>;
}

export interface StartOptions {
  /**
   * Send stdout and stderr to this file instead of a pipe: a server that logs every request
   * then never waits on (or costs CPU in) the load generator reading its pipe.
   */
  logFile?: string;
  /** How long SIGTERM may take before SIGKILL (default 20 s). */
  stopTimeoutMs?: number;
  /** Flags for node itself, before the script. */
  nodeArgs?: string[];
}

const TAIL_BYTES = 64 * 1024;
const running = new Set<Started>();

function readTail(file: string): string {
  try {
    const size = statSync(file).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    return buffer.toString();
  } catch {
    return '';
  }
}

/** Sends SIGTERM, then SIGKILL after `timeoutMs`; resolves when the process has exited. */
function terminate(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts a node script on `core` (when taskset exists) and waits until `readyPath` answers 200. */
export async function startNode(
  script: string,
  env: Record<string, string>,
  readyPath: string,
  core: number,
  options: StartOptions = {},
): Promise<Started> {
  const port = Number(env.PORT);
  const command = hasTaskset ? 'taskset' : process.execPath;
  const nodeArgs = [...(options.nodeArgs ?? []), script];
  const args = hasTaskset ? ['-c', String(core), process.execPath, ...nodeArgs] : nodeArgs;
  const logFd = options.logFile ? openSync(options.logFile, 'a', 0o600) : undefined;
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
  });
  if (logFd !== undefined) closeSync(logFd); // the child holds its own copy
  let piped = '';
  const keep = (chunk: Buffer) => {
    piped += chunk.toString();
    if (piped.length > 2 * TAIL_BYTES) piped = piped.slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = () => (options.logFile ? readTail(options.logFile) : piped.slice(-TAIL_BYTES));
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  const started: Started = {
    child,
    pid: child.pid ?? -1,
    baseUrl: `http://127.0.0.1:${port}`,
    output,
    stop: async () => {
      await terminate(child, stopTimeoutMs);
      running.delete(started);
    },
  };
  running.add(started);
  const deadline = Date.now() + 90_000;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${script} exited:\n${output()}`);
      const ok = await fetch(`${started.baseUrl}${readyPath}`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${script} did not start:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await started.stop();
    throw error;
  }
  return started;
}

/** Runs a node script to its end on `core` and answers its exit code and output. */
export function runNode(
  script: string,
  env: Record<string, string>,
  core: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = hasTaskset ? 'taskset' : process.execPath;
  const args = hasTaskset ? ['-c', String(core), process.execPath, script] : [script];
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle: Started = {
    child,
    pid: child.pid ?? -1,
    baseUrl: '',
    output: () => '',
    stop: async () => {
      await terminate(child, 5_000);
      running.delete(handle);
    },
  };
  running.add(handle);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      running.delete(handle);
      reject(error);
    });
    child.once('close', (code) => {
      running.delete(handle);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Stops every process started here that still runs (SIGTERM, then SIGKILL). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((started) => started.stop()));
}

/** Last resort on process exit: signal whatever still runs, without waiting. */
export function signalAll(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const { child } of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}

export interface Memory {
  /** VmHWM: the peak resident set size so far, in MiB. */
  peakRssMb: number;
  /** VmRSS: the resident set size now, in MiB. */
  rssMb: number;
}

/** The resident set size of a process, from /proc/<pid>/status (Linux); undefined elsewhere. */
export function memoryOf(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    const peak = kib('VmHWM');
    const rss = kib('VmRSS');
    if (!Number.isFinite(peak) || !Number.isFinite(rss)) return undefined;
    return { peakRssMb: round1(peak / 1024), rssMb: round1(rss / 1024) };
  } catch {
    return undefined;
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** The pids of every live descendant of `pid` (Linux /proc), children before grandchildren. */
export function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Moves the descendants of a pinned server (an embedded PostgreSQL: postmaster and its backends)
 * to `cores` (a taskset list such as "1" or "0-1"): they inherit the server's pin, and the
 * database is not part of the server. Backends forked later inherit the postmaster's affinity.
 * Answers how many processes were moved.
 */
export function pinDescendants(pid: number, cores: string): number {
  if (!hasTaskset) return 0;
  let count = 0;
  for (const descendant of descendantsOf(pid)) {
    const result = spawnSync('taskset', ['-a', '-cp', cores, String(descendant)]);
    if (result.status === 0) count += 1;
  }
  return count;
}

/** Every core of this machine, as a taskset list. */
export const allCores = () => `0-${os.cpus().length - 1}`;

/** CPU time (user + system) a process has used so far, in microseconds; undefined when gone. */
export function cpuTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ", utime and stime are fields 14 and 15 (1-based), in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** The CPU time of each live descendant of `pid`, by pid. */
export function descendantsCpuTimes(pid: number): Map<number, number> {
  const times = new Map<number, number>();
  for (const child of descendantsOf(pid)) {
    const time = cpuTimeOf(child);
    if (time !== undefined) times.set(child, time);
  }
  return times;
}

/**
 * The CPU time the descendants of `pid` used since `before` (descendantsCpuTimes): the growth
 * of those still alive, and all of those born since. A process that ended meanwhile is not
 * counted, rather than taken off.
 */
export function descendantsCpuTimeSince(pid: number, before: Map<number, number>): number {
  let sum = 0;
  for (const [child, time] of descendantsCpuTimes(pid)) sum += time - (before.get(child) ?? 0);
  return sum;
}

/** USER_HZ: what /proc counts CPU time in. */
const CLOCK_TICKS = (() => {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const value = Number(result.stdout?.trim());
  return Number.isFinite(value) && value > 0 ? value : 100;
})();

/**
 * The error to throw when `error` arose while `started` ran: with the process's exit and the
 * end of its output when it had died meanwhile (said before its log is removed).
 */
export function withExitReport(error: unknown, name: string, started: Started): unknown {
  const { child } = started;
  if (child.exitCode === null && child.signalCode === null) return error;
  return new Error(
    `${String(error)}\n${name} exited (${child.exitCode ?? child.signalCode}); its output ends with:\n${started.output().slice(-4000)}`,
    { cause: error },
  );
}
