import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HttpClient } from '../support/http-client.js';
import { runToExit, startServer, type ServerProcess } from '../support/server-process.js';
import { createTestDatabase } from '../support/test-database.js';

const SLOW = 120_000;

/** The admin client a first boot generated and saved in DATA_DIR. */
const savedAdminClient = async (dataDir: string) =>
  JSON.parse(await readFile(path.join(dataDir, 'admin-client.json'), 'utf8')) as {
    client_id: string;
    client_secret: string;
  };

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'portcullis-boot-'));

describe('booting the server', () => {
  const started: ServerProcess[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop('SIGKILL')));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it(
    'on the embedded PostgreSQL: generates an admin client once, keeps everything across a restart, stops PostgreSQL with it',
    async () => {
      const dataDir = await tempDir();
      dirs.push(dataDir);
      const first = await startServer({ DATA_DIR: dataDir });
      started.push(first);

      // Credentials are printed once and kept in DATA_DIR, readable by the owner only.
      const saved = await savedAdminClient(dataDir);
      expect(first.stdout()).toContain(`client_id:     ${saved.client_id}`);
      expect(first.stdout()).toContain(`client_secret: ${saved.client_secret}`);
      expect((await stat(path.join(dataDir, 'admin-client.json'))).mode & 0o077).toBe(0);
      // Without KEY_ENCRYPTION_SECRET (development), one is generated once and kept beside it.
      expect((await stat(path.join(dataDir, 'key-encryption-secret'))).mode & 0o077).toBe(0);
      const keySecret = await readFile(path.join(dataDir, 'key-encryption-secret'), 'utf8');
      expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);

      const http = new HttpClient(first.baseUrl);
      const adminToken = await http.clientToken(saved.client_id, saved.client_secret, 'admin');
      const admin = { bearer: adminToken };
      const client = await http.json<{ client_id: string; client_secret: string }>(
        'POST',
        '/admin/clients',
        { client_name: 'survivor', grant_types: ['client_credentials'], scope: 'x' },
        admin,
      );
      expect(client.status).toBe(201);
      const user = await http.json<{ id: string }>(
        'POST',
        '/admin/users',
        { username: 'persistent', password: 'correct horse battery' },
        admin,
      );
      expect(user.status).toBe(201);
      const jwks = (await http.get('/.well-known/jwks.json')).body;

      // A second server must not take over the same DATA_DIR.
      const intruder = await runToExit({ DATA_DIR: dataDir, PORT: String(first.port + 1) });
      expect(intruder.code).toBe(1);
      expect(intruder.stderr).toContain('in use by another Portcullis process');
      expect((await http.get('/health')).status).toBe(200);

      expect(await first.stop('SIGTERM')).toBe(0);
      // PostgreSQL removes its pid file when it shuts down cleanly.
      expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

      // Same port, so the issuer (and the audience of the earlier token) stays the same.
      const second = await startServer({ DATA_DIR: dataDir, PORT: String(first.port) });
      started.push(second);
      expect(second.stdout()).not.toContain('client_secret');
      const again = new HttpClient(second.baseUrl);
      expect((await again.get('/.well-known/jwks.json')).body).toEqual(jwks);
      // The token issued before the restart still verifies: the keys are the same.
      expect(
        (await again.get(`/admin/clients/${client.body.client_id}`, admin)).body,
      ).toMatchObject({ client_name: 'survivor' });
      expect((await again.get(`/admin/users/${user.body.id}`, admin)).body).toMatchObject({
        username: 'persistent',
      });
      expect(await again.clientToken(client.body.client_id, client.body.client_secret)).toMatch(
        /^ey/,
      );
      expect(await readFile(path.join(dataDir, 'key-encryption-secret'), 'utf8')).toBe(keySecret);
      expect(await second.stop('SIGINT')).toBe(0);
      expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    },
    SLOW,
  );

  it(
    'as a normal user (when the suite runs as root: as nobody), initdb and postgres run as that user',
    async () => {
      const dataDir = await tempDir();
      dirs.push(dataDir);
      const asRoot = process.getuid?.() === 0;
      const user = asRoot ? { uid: 65534, gid: 65534 } : {};
      if (asRoot) await chown(dataDir, 65534, 65534);
      const server = await startServer({ DATA_DIR: dataDir, HOME: dataDir }, user);
      started.push(server);
      const owner = (await stat(path.join(dataDir, 'pg', 'PG_VERSION'))).uid;
      expect(owner).toBe(asRoot ? 65534 : process.getuid?.());
      const saved = await savedAdminClient(dataDir);
      expect(
        await new HttpClient(server.baseUrl).clientToken(
          saved.client_id,
          saved.client_secret,
          'admin',
        ),
      ).toMatch(/^ey/);
      expect(await server.stop()).toBe(0);
    },
    SLOW,
  );

  it(
    'after a SIGKILL, the next start stops the PostgreSQL left running and keeps the data',
    async () => {
      const dataDir = await tempDir();
      dirs.push(dataDir);
      const first = await startServer({ DATA_DIR: dataDir });
      started.push(first);
      const pid = Number(
        (await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0],
      );
      await first.stop('SIGKILL');
      // A process that has exited but was not reaped yet (a zombie) counts as gone.
      const running = async (id: number) =>
        readFile(`/proc/${id}/stat`, 'utf8').then(
          (stat) => stat.split(') ')[1]?.[0] !== 'Z',
          () => false,
        );
      expect(await running(pid)).toBe(true); // orphaned, still serving the data directory

      const second = await startServer({ DATA_DIR: dataDir, PORT: String(first.port) });
      started.push(second);
      expect(await running(pid)).toBe(false); // the orphan was stopped
      const saved = await savedAdminClient(dataDir);
      expect(
        await new HttpClient(second.baseUrl).clientToken(
          saved.client_id,
          saved.client_secret,
          'admin',
        ),
      ).toMatch(/^ey/);
      expect(await second.stop()).toBe(0);
    },
    SLOW,
  );

  it(
    'on DATABASE_URL: uses it, keeps data across a restart, and logs JSON without secrets',
    async () => {
      const database = await createTestDatabase();
      const dataDir = await tempDir();
      dirs.push(dataDir);
      const secret = randomBytes(32).toString('base64url');
      const env = {
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        ADMIN_CLIENT_ID: 'ops',
        ADMIN_CLIENT_SECRET: secret,
        LOG_LEVEL: 'info',
      };
      try {
        const first = await startServer(env);
        started.push(first);
        expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
        const http = new HttpClient(first.baseUrl);
        const adminToken = await http.clientToken('ops', secret, 'admin');
        const created = await http.json<{ client_id: string; client_secret: string }>(
          'POST',
          '/admin/clients',
          { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' },
          { bearer: adminToken },
        );
        const user = await http.json<{ id: string }>(
          'POST',
          '/admin/users',
          { username: 'dana', password: 'my very secret passphrase' },
          { bearer: adminToken },
        );
        await http.form('/oauth/token', {
          grant_type: 'client_credentials',
          client_id: created.body.client_id,
          client_secret: created.body.client_secret,
        });
        await http.get('/oauth/token?code=query-code-secret&access_token=query-token-secret');
        expect(await first.stop()).toBe(0);

        const logs = first.stdout();
        const lines = logs.split('\n').filter(Boolean);
        expect(lines.length).toBeGreaterThan(3);
        for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
        for (const leaked of [
          secret,
          adminToken,
          created.body.client_secret,
          'my very secret passphrase',
          'query-code-secret',
          'query-token-secret',
        ]) {
          expect(logs).not.toContain(leaked);
        }
        expect(logs).toContain('[redacted]');

        const second = await startServer({ ...env, PORT: String(first.port) });
        started.push(second);
        const again = new HttpClient(second.baseUrl);
        const token = await again.clientToken('ops', secret, 'admin');
        expect(
          (await again.get(`/admin/users/${user.body.id}`, { bearer: token })).body,
        ).toMatchObject({ username: 'dana' });
        expect(await second.stop()).toBe(0);
      } finally {
        await database.drop();
      }
    },
    SLOW,
  );

  it(
    'on the embedded PostgreSQL, with EMBEDDED_PG_PORT held by another program: exits 1 and says so',
    async () => {
      const dataDir = await tempDir();
      dirs.push(dataDir);
      const squatter = net.createServer();
      await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
      const { port } = squatter.address() as net.AddressInfo;
      try {
        // PostgreSQL cannot bind and exits; the boot must report it, not end silently with 0.
        const run = await runToExit({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) }, 90_000);
        expect(run.stderr).toContain(`embedded PostgreSQL did not start on 127.0.0.1:${port}`);
        expect(run.code).toBe(1);
      } finally {
        squatter.close();
      }
    },
    SLOW,
  );

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer between 1 and 65535'],
    [{ PORT: '70000' }, 'PORT must be an integer between 1 and 65535'],
    [{ ISSUER: 'ftp://auth.example.com' }, 'ISSUER must be an http(s) URL'],
    [{ ISSUER: 'https://auth.example.com/' }, 'ISSUER must be an http(s) URL'],
    [{ SIGNING_ALG: 'HS256' }, 'SIGNING_ALG must be ES256 or RS256'],
    [{ ACCESS_TOKEN_TTL: '5' }, 'ACCESS_TOKEN_TTL must be an integer number of seconds'],
    [
      { DATABASE_URL: 'mysql://localhost/db' },
      'DATABASE_URL must be a postgres:// or postgresql:// URL',
    ],
    [
      { EMBEDDED_PG_PORT: '5432' },
      'EMBEDDED_PG_PORT must be an integer between 1024 and 65535, not 5432',
    ],
    [{ ADMIN_CLIENT_ID: 'ops' }, 'ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together'],
    [
      { ADMIN_CLIENT_ID: 'ops', ADMIN_CLIENT_SECRET: 'short' },
      'ADMIN_CLIENT_SECRET must be 32 to 256',
    ],
    [{ NODE_ENV: 'production' }, 'KEY_ENCRYPTION_SECRET must be set when NODE_ENV is production'],
    [
      {
        NODE_ENV: 'production',
        ISSUER: 'http://auth.example.com',
        ADMIN_CLIENT_ID: 'ops',
        ADMIN_CLIENT_SECRET: 'a'.repeat(32),
        KEY_ENCRYPTION_SECRET: 'k'.repeat(32),
        COOKIE_SECRET: 'c'.repeat(32),
      },
      'ISSUER must be an https URL when NODE_ENV is production',
    ],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
  ])('refuses to start with %j, naming the variable in one line', async (env, message) => {
    const dataDir = await tempDir();
    dirs.push(dataDir);
    const result = await runToExit({ DATA_DIR: dataDir, ...env });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toContainEqual(expect.stringContaining(message));
    expect(lines.every((line) => line.startsWith('configuration error: '))).toBe(true);
    // Nothing was started or written.
    expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
  });
});
