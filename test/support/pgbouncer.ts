import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/common/ports.js';

export interface PgBouncer {
  /** `url`'s database, reached through PgBouncer. */
  urlFor(url: string): string;
  port: number;
  log(): string;
  stop(): Promise<void>;
}

/** Resolves once something accepts connections on 127.0.0.1:`port`. */
async function listening(port: number, timeoutMs: number, child: ChildProcess, log: () => string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`not listening on ${port}:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Debian's PgBouncer, started with a configuration of its own in a temporary directory (never
 * the system service): transaction pooling in front of the PostgreSQL `serverUrl` names,
 * trusting its clients as that PostgreSQL's user (whose password, if any, it uses upstream).
 */
export async function startPgBouncer(
  program: string,
  serverUrl: string,
  settings: Record<string, string> = {},
): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username || 'postgres');
  const password = decodeURIComponent(server.password);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-pgbouncer-'));
  const port = await freePort();
  const quote = (value: string) => `"${value.replace(/"/g, '""')}"`;
  await writeFile(path.join(dir, 'userlist.txt'), `${quote(user)} ${quote(password)}\n`);
  const config = {
    listen_addr: '127.0.0.1',
    listen_port: String(port),
    unix_socket_dir: '',
    auth_type: 'trust',
    auth_file: path.join(dir, 'userlist.txt'),
    pool_mode: 'transaction',
    max_client_conn: '500',
    default_pool_size: '20',
    // What node-postgres may send at startup that a transaction pool cannot keep per client.
    ignore_startup_parameters: 'extra_float_digits,options',
    server_reset_query: '',
    ...settings,
  };
  const lines = [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || '5432'}`,
    '[pgbouncer]',
    ...Object.entries(config).map(([key, value]) => `${key} = ${value}`),
  ];
  const configFile = path.join(dir, 'pgbouncer.ini');
  await writeFile(configFile, `${lines.join('\n')}\n`);
  // PgBouncer refuses to run as root: as root, it drops to the postgres user, who must read these.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    await chmod(dir, 0o755);
    await chmod(configFile, 0o644);
    await chmod(path.join(dir, 'userlist.txt'), 0o644);
  }
  const child = spawn(program, [...(asRoot ? ['-u', 'postgres'] : []), configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await listening(port, 10_000, child, () => output);
  return {
    port,
    urlFor(url: string) {
      const through = new URL(url);
      through.hostname = '127.0.0.1';
      through.port = String(port);
      return through.toString();
    },
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
