import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { freePort } from '../../src/common/ports.js';
import { runToExit, startServer, type ServerProcess } from '../support/server-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const SLOW = 120_000;

interface JsonLine {
  level: number;
  msg: string;
  context?: string;
  startup?: Record<string, unknown>;
}

/** The block of a pretty banner: its first line and the indented lines after it. */
function bannerOf(stdout: string): string {
  const lines = stdout.split('\n');
  const first = lines.findIndex((line) => line.includes('Portcullis is ready'));
  if (first < 0) return '';
  const rest = lines.slice(first + 1);
  const end = rest.findIndex((line) => !line.startsWith('  '));
  return [lines[first], ...rest.slice(0, end < 0 ? rest.length : end)].join('\n');
}

describe('what the server tells whoever starts it', () => {
  let database: TestDatabase;
  /** The test database's URL, with a password in it (trust auth ignores an unexpected one). */
  let url: URL;
  let dataDir: string;
  const started: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    url = new URL(database.url);
    if (!url.password) url.password = `never-printed-${randomBytes(9).toString('hex')}`;
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-banner-'));
  });
  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop('SIGKILL')));
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'LOG_FORMAT=pretty: readable lines, no route mappings, and a banner saying where everything is',
    async () => {
      const server = await startServer({
        LOG_FORMAT: 'pretty',
        LOG_LEVEL: 'info',
        DATABASE_URL: url.toString(),
        DATA_DIR: dataDir,
      });
      started.push(server);
      expect(await server.stop()).toBe(0);
      const stdout = server.stdout();
      const issuer = `http://localhost:${server.port}`;

      const banner = bannerOf(stdout);
      expect(banner).toMatch(new RegExp(`^\\s+issuer\\s+${issuer}$`, 'm'));
      expect(banner).toMatch(/^\s+listening on\s+http:\/\/127\.0\.0\.1:\d+$/m);
      expect(banner).toContain(`${issuer}/.well-known/openid-configuration`);
      expect(banner).toContain(`${issuer}/docs`);
      expect(banner).toContain(`${issuer}/admin`);
      expect(banner).toContain(`PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`);
      // A first boot: where the generated credentials are, never the secret itself.
      const credentialsFile = path.join(dataDir, 'admin-client.json');
      expect(banner).toMatch(/^\s+admin credentials\s+(.+)$/m);
      expect(banner).toContain(credentialsFile);
      const saved = JSON.parse(await readFile(credentialsFile, 'utf8')) as {
        client_secret: string;
      };
      expect(banner).not.toContain(saved.client_secret);

      // Readable lines, not JSON; Nest's wiring is below the level asked for.
      expect(stdout).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[NestApplication\] /m);
      expect(stdout.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
      expect(stdout).not.toContain('Mapped {');
      expect(stdout).not.toContain('dependencies initialized');
      expect(stdout + server.stderr()).not.toContain(url.password);
    },
    SLOW,
  );

  it(
    'LOG_FORMAT=json: every line is JSON, one carries the banner facts, route mappings at debug',
    async () => {
      // The same DATA_DIR and database: not a first boot any more.
      const server = await startServer({
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'debug',
        DATABASE_URL: url.toString(),
        DATA_DIR: dataDir,
      });
      started.push(server);
      expect(await server.stop()).toBe(0);
      const stdout = server.stdout();
      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as JsonLine);
      expect(lines.length).toBeGreaterThan(100);

      const issuer = `http://localhost:${server.port}`;
      const banners = lines.filter((line) => line.msg === 'Portcullis is ready');
      expect(banners).toHaveLength(1);
      expect(banners[0].level).toBe(30);
      expect(banners[0].startup).toEqual({
        issuer,
        listening: `http://127.0.0.1:${server.port}`,
        discovery: `${issuer}/.well-known/openid-configuration`,
        docs: `${issuer}/docs`,
        admin: `${issuer}/admin`,
        database: {
          embedded: false,
          address: `${url.hostname}:${url.port || 5432}${url.pathname}`,
        },
        // DATABASE_URL may be a pooler: unnamed unless DATABASE_PREPARED_STATEMENTS says so.
        statements: 'unnamed',
      });

      // Still there for whoever asks for debug, and only at debug.
      const mappings = lines.filter((line) => line.msg.startsWith('Mapped {'));
      expect(mappings.length).toBeGreaterThan(50);
      expect(new Set(mappings.map((line) => `${line.context} ${line.level}`))).toEqual(
        new Set(['RouterExplorer 20']),
      );
      expect(stdout + server.stderr()).not.toContain(url.password);
    },
    SLOW,
  );

  it('an unknown LOG_FORMAT stops the boot, naming the variable', async () => {
    const result = await runToExit({
      LOG_FORMAT: 'text',
      DATABASE_URL: url.toString(),
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('LOG_FORMAT must be json or pretty');
  });

  it(
    'on a terminal, without LOG_FORMAT: pretty lines and the banner',
    async () => {
      const port = await freePort();
      // `script` gives the server a terminal for its stdout, as a shell would.
      const child = spawn(
        'script',
        ['-qfec', `exec ${process.execPath} dist/src/main.js`, '/dev/null'],
        {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            PORT: String(port),
            LOG_LEVEL: 'info',
            DATABASE_URL: url.toString(),
            DATA_DIR: dataDir,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        const deadline = Date.now() + 60_000;
        while (!output.includes('database ') && Date.now() < deadline && child.exitCode === null) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        process.kill(-child.pid!, 'SIGTERM');
        await exited;
      }
      // Colours included: what a terminal shows.
      const plain = stripVTControlCharacters(output).replace(/\r/g, '');
      expect(bannerOf(plain)).toMatch(new RegExp(`^\\s+issuer\\s+http://localhost:${port}$`, 'm'));
      expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: /m);
      expect(plain.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
    },
    SLOW,
  );

  it(
    'on the embedded PostgreSQL, the banner says so and where its data is',
    async () => {
      const embeddedDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-banner-embedded-'));
      try {
        const server = await startServer({
          LOG_FORMAT: 'pretty',
          LOG_LEVEL: 'info',
          DATA_DIR: embeddedDir,
          ADMIN_CLIENT_ID: 'ops',
          ADMIN_CLIENT_SECRET: randomBytes(24).toString('hex'),
        });
        started.push(server);
        expect(await server.stop()).toBe(0);
        const banner = bannerOf(server.stdout());
        expect(banner).toMatch(
          new RegExp(
            `^\\s+database\\s+embedded PostgreSQL, data in ${path.join(embeddedDir, 'pg')}$`,
            'm',
          ),
        );
        // No pooler in front of the embedded server: its statements are named.
        expect(banner).toMatch(/^\s+statements\s+named, prepared once per connection/m);
        // Configured credentials: nothing was written, so no file is named.
        expect(banner).not.toContain('admin credentials');
        const state = JSON.parse(
          await readFile(path.join(embeddedDir, 'embedded-postgres.json'), 'utf8'),
        ) as { password: string };
        expect(server.stdout() + server.stderr()).not.toContain(state.password);
      } finally {
        await rm(embeddedDir, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});
