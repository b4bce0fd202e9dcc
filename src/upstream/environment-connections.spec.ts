import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigurationError, validateEnvironment } from '../config/environment.js';
import {
  connectionsFromEnvironment,
  UPSTREAM_ENVIRONMENT_RULE,
} from './environment-connections.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const COZE = { COZE_CLIENT_ID: 'app-1', COZE_KID: 'kid-1', COZE_PRIVATE_KEY: rsa };

function problemsOf(env: Record<string, string>): string[] {
  try {
    validateEnvironment(env, [UPSTREAM_ENVIRONMENT_RULE]);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return error.problems;
  }
}

describe('COZE_* and FEISHU_* at boot', () => {
  it('describes no connection when none is set, whatever the optional settings say', () => {
    const env = validateEnvironment({ COZE_TOKEN_DURATION: 'soon', FEISHU_BASE_URL: 'ftp://x' }, [
      UPSTREAM_ENVIRONMENT_RULE,
    ]);
    expect(connectionsFromEnvironment(env)).toEqual({});
  });

  it('describes each connection set, with the PEM key as given or read from its file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-coze-key-'));
    try {
      const file = path.join(dir, 'coze.pem');
      writeFileSync(file, rsa);
      const env = validateEnvironment(
        { ...COZE, COZE_PRIVATE_KEY: file, FEISHU_APP_ID: 'cli_x', FEISHU_APP_SECRET: 's' },
        [UPSTREAM_ENVIRONMENT_RULE],
      );
      expect(connectionsFromEnvironment(env)).toMatchObject({
        coze: { client_id: 'app-1', kid: 'kid-1', private_key: rsa },
        feishu: { app_id: 'cli_x', app_secret: 's' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ COZE_CLIENT_ID: 'app-1', COZE_PRIVATE_KEY: rsa }, 'COZE_KID is required'],
    [
      { ...COZE, COZE_PRIVATE_KEY: '/no/such/key.pem' },
      'COZE_PRIVATE_KEY must be a PEM private key or the path of one',
    ],
    [
      { ...COZE, COZE_TOKEN_ENDPOINT: 'ftp://coze.example' },
      'COZE_TOKEN_ENDPOINT must use https (http only on a loopback host)',
    ],
    [
      { ...COZE, COZE_TOKEN_DURATION: 'soon' },
      'COZE_TOKEN_DURATION must be an integer number of seconds between 1 and 86399',
    ],
    [{ FEISHU_APP_ID: 'cli_x' }, 'FEISHU_APP_SECRET is required'],
  ])('refuses %j in one line naming the variable', (env, message) => {
    expect(problemsOf(env)).toEqual([message]);
  });

  it('reports alongside the other variables', () => {
    expect(problemsOf({ FEISHU_APP_ID: 'cli_x', PORT: 'x' }).sort()).toEqual([
      'FEISHU_APP_SECRET is required',
      'PORT must be an integer between 1 and 65535',
    ]);
  });
});
