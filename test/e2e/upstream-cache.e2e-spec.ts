import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { adminAuth, basic, registerClient, token, type Registered } from '../support/flows.js';
import { startCozeSimulator } from '../support/coze-simulator.js';
import { runToExit } from '../support/server-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('the upstream token cache across instances (connection from COZE_* variables)', () => {
  let coze: Awaited<ReturnType<typeof startCozeSimulator>>;
  let a: TestApp;
  let b: TestApp;
  let caller: Registered;
  let env: Record<string, string>;

  beforeAll(async () => {
    coze = await startCozeSimulator({ appId: 'app-1', kid: 'kid-1', publicKey });
    const database = await createTestDatabase();
    env = {
      ISSUER: 'https://auth.example.test',
      ADMIN_CLIENT_SECRET: 'y'.repeat(40),
      COZE_CLIENT_ID: 'app-1',
      COZE_PRIVATE_KEY: PRIVATE_PEM,
      COZE_KID: 'kid-1',
      COZE_TOKEN_ENDPOINT: coze.tokenEndpoint,
      FEISHU_APP_ID: 'cli_env',
      FEISHU_APP_SECRET: 'feishu-secret-from-the-environment-42',
      LOG_LEVEL: 'info',
    };
    [a, b] = await Promise.all([startTestApp({ database, env }), startTestApp({ database, env })]);
    caller = await registerClient(a, await adminAuth(a), {
      grant_types: ['client_credentials'],
      scope: 'upstream:coze',
    });
  }, 60_000);
  afterAll(async () => {
    await b?.close({ keepData: true });
    await a?.close();
    await coze.close();
  });

  const ask = async (app: TestApp, bearer: string) =>
    app.http.request<{ access_token: string }>('POST', '/upstream/coze/coze/token', {
      auth: { bearer },
    });

  it('makes one upstream call for 100 concurrent requests spread over two instances', async () => {
    // Tokens are issued by either instance: they share keys and issuer.
    const bearer = (await token(a, { grant_type: 'client_credentials' }, basic(caller))).body
      .access_token!;
    const before = coze.state.calls;
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => ask(i % 2 ? a : b, bearer)),
    );
    expect(answers.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    expect(new Set(answers.map((r) => r.body.access_token)).size).toBe(1);
    expect(coze.state.calls).toBe(before + 1);
  });

  it('keeps the cache across a restart', async () => {
    const bearer = (await token(a, { grant_type: 'client_credentials' }, basic(caller))).body
      .access_token!;
    const first = await ask(a, bearer);
    await a.close({ keepData: true });
    a = await startTestApp({ database: a.database, dataDir: a.dataDir, port: a.port, env });
    const before = coze.state.calls;
    const again = await ask(a, bearer);
    expect(again.body.access_token).toBe(first.body.access_token);
    expect(coze.state.calls).toBe(before);
  });

  it('never writes the private key or an upstream token to a log line', () => {
    const logs = a.server.stdout() + a.server.stderr() + b.server.stdout() + b.server.stderr();
    expect(logs.length).toBeGreaterThan(100);
    expect(logs).not.toContain('PRIVATE KEY');
    expect(logs).not.toContain(PRIVATE_PEM.split('\n')[1]);
    expect(logs).not.toMatch(/czs_[0-9a-f]{32}/);
    expect(logs).not.toContain('feishu-secret-from-the-environment-42');
  });

  it('created both connections from the environment, showing no secret', async () => {
    const list = await a.http.get<{ items: { name: string; provider: string }[] }>(
      '/admin/upstreams',
      await adminAuth(a),
    );
    expect(list.body.items.map((c) => `${c.name}/${c.provider}`)).toEqual([
      'coze/coze',
      'feishu/feishu',
    ]);
    expect(list.text).not.toContain('feishu-secret-from-the-environment-42');
    expect(list.text).not.toContain('PRIVATE KEY');
  });
});

describe('COZE_* variables', () => {
  it.each([
    [
      { COZE_CLIENT_ID: 'x', COZE_KID: 'k', COZE_PRIVATE_KEY: 'not-a-key-and-no-such-file' },
      'COZE_PRIVATE_KEY',
    ],
    [
      {
        COZE_CLIENT_ID: 'x',
        COZE_KID: 'k',
        COZE_PRIVATE_KEY: PRIVATE_PEM,
        COZE_TOKEN_ENDPOINT: 'ftp://x',
      },
      'COZE_TOKEN_ENDPOINT',
    ],
    [{ COZE_CLIENT_ID: 'x', COZE_PRIVATE_KEY: PRIVATE_PEM }, 'COZE_KID'],
    [
      {
        COZE_CLIENT_ID: 'x',
        COZE_KID: 'k',
        COZE_PRIVATE_KEY: PRIVATE_PEM,
        COZE_TOKEN_DURATION: '90000',
      },
      'COZE_TOKEN_DURATION',
    ],
    [{ FEISHU_APP_ID: 'cli_x' }, 'FEISHU_APP_SECRET'],
  ])('refuses a malformed connection, naming the variable: %j', async (vars, name) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-upstream-env-'));
    try {
      const result = await runToExit({ DATA_DIR: dataDir, ...vars });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`configuration error: ${name}`);
      expect(result.stderr).not.toContain('PRIVATE KEY');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
