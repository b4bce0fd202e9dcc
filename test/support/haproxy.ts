import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/common/ports.js';

/** How often HAProxy checks /health, and how many failed checks take a server out. */
export const HEALTH_CHECK_INTERVAL_MS = 500;
export const HEALTH_CHECK_FALL = 2;

export interface HaProxy {
  baseUrl: string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Debian's HAProxy, with a configuration of its own: round-robin over `backends` (ports on
 * 127.0.0.1), each checked on GET /health. A connection a dead server refuses is retried on
 * another (`option redispatch`); a request a server took and never answered is not retried
 * (replaying a refresh would be reuse), so it is lost with its server.
 */
export async function startHaProxy(program: string, backends: number[]): Promise<HaProxy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-haproxy-'));
  const port = await freePort();
  const config = [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  retries 3',
    '  option redispatch',
    'frontend portcullis',
    `  bind 127.0.0.1:${port}`,
    '  default_backend instances',
    'backend instances',
    '  balance roundrobin',
    '  option httpchk GET /health',
    '  http-check expect status 200',
    `  default-server inter ${HEALTH_CHECK_INTERVAL_MS} fall ${HEALTH_CHECK_FALL} rise 2`,
    ...backends.map((backend, index) => `  server instance${index} 127.0.0.1:${backend} check`),
  ];
  const configFile = path.join(dir, 'haproxy.cfg');
  await writeFile(configFile, `${config.join('\n')}\n`);
  const check = spawn(program, ['-c', '-f', configFile], { stdio: 'pipe' });
  let checkOutput = '';
  check.stderr?.on('data', (chunk: Buffer) => (checkOutput += chunk.toString()));
  check.stdout?.on('data', (chunk: Buffer) => (checkOutput += chunk.toString()));
  const valid = await new Promise<number | null>((resolve) => check.once('exit', resolve));
  if (valid !== 0) throw new Error(`haproxy refused its configuration:\n${checkOutput}`);
  const child = spawn(program, ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited:\n${output}`);
    const up = await fetch(`${baseUrl}/health`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`haproxy never answered /health:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
