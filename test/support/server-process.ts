import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/common/ports.js';

const MAIN = path.resolve('dist/src/main.js');
export const SIBLING_MAIN = path.resolve('dist/examples/sibling-service/main.js');
export const DOWNSTREAM_MAIN = path.resolve('dist/examples/downstream-service/main.js');

/** The environment a fresh shell would give the server: nothing of the test runner's. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR'];
  return Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
}

export interface ServerProcess {
  baseUrl: string;
  port: number;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function collect(child: ChildProcess) {
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  return out;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts the built server (`npm run build`) as a user would, and waits until /health answers 200. */
export async function startServer(
  env: Record<string, string>,
  options: {
    timeoutMs?: number;
    uid?: number;
    gid?: number;
    main?: string;
    healthPath?: string;
  } = {},
): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const port = Number(env.PORT ?? (await freePort()));
  const child = spawn(process.execPath, [options.main ?? MAIN], {
    env: { ...baseEnv(), LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  });
  const out = collect(child);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`server exited with ${child.exitCode}\n${out.stdout}\n${out.stderr}`);
    }
    const healthy = await fetch(`${baseUrl}${options.healthPath ?? '/health'}`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy\n${out.stdout}\n${out.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.once('exit', (code, signal) => {
    // A server that dies by itself mid-test leaves only ECONNREFUSED behind: say why it died.
    if (code !== 0 && signal === null) {
      console.error(`server on port ${port} exited with ${code}:\n${out.stderr.slice(-4000)}`);
    }
  });
  return {
    baseUrl,
    port,
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited(child);
    },
  };
}

/** Starts the example sibling service (examples/sibling-service), healthy once /public answers. */
export function startSibling(env: Record<string, string>): Promise<ServerProcess> {
  return startServer(env, { main: SIBLING_MAIN, healthPath: '/public' });
}

/**
 * Starts the example storage service (examples/downstream-service), which the sibling calls
 * with exchanged tokens; healthy once /public answers.
 */
export function startDownstream(env: Record<string, string>): Promise<ServerProcess> {
  return startServer(env, { main: DOWNSTREAM_MAIN, healthPath: '/public' });
}

/** Runs the server expecting it to exit by itself (a refused configuration). */
export async function runToExit(env: Record<string, string>, timeoutMs = 30_000) {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = collect(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited(child);
  clearTimeout(timer);
  return { code, stdout: out.stdout, stderr: out.stderr };
}
