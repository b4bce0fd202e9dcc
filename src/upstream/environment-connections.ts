import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../config/configuration-error.js';
import {
  UPSTREAM_VARIABLE_NAMES,
  type EnvironmentRule,
  type UpstreamVariables,
} from '../config/environment.js';
import {
  ConnectionSettingError,
  normaliseConnection,
  type ConnectionInput,
} from './connection-rules.js';

const COZE_FIELDS: Record<string, keyof UpstreamVariables> = {
  client_id: 'COZE_CLIENT_ID',
  private_key: 'COZE_PRIVATE_KEY',
  kid: 'COZE_KID',
  audience: 'COZE_AUDIENCE',
  token_endpoint: 'COZE_TOKEN_ENDPOINT',
  token_duration: 'COZE_TOKEN_DURATION',
  account_id: 'COZE_ACCOUNT_ID',
};
const FEISHU_FIELDS: Record<string, keyof UpstreamVariables> = {
  app_id: 'FEISHU_APP_ID',
  app_secret: 'FEISHU_APP_SECRET',
  base_url: 'FEISHU_BASE_URL',
  accounts_url: 'FEISHU_ACCOUNTS_URL',
};

/** PEM text as given, or read from the file the variable names. */
function pem(value: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    return readFileSync(value, 'utf8');
  } catch {
    throw new ConnectionSettingError('private_key', 'must be a PEM private key or the path of one');
  }
}

/**
 * The `coze` and `feishu` connections the environment describes (single-tenant deployments),
 * checked like the admin API checks them. Throws a ConfigurationError naming the variable.
 */
export function connectionsFromEnvironment(env: UpstreamVariables): {
  coze?: ConnectionInput;
  feishu?: ConnectionInput;
} {
  const result: { coze?: ConnectionInput; feishu?: ConnectionInput } = {};
  const rename = (fields: Record<string, string>, error: unknown): never => {
    if (error instanceof ConnectionSettingError) {
      const name = fields[error.field] ?? error.field;
      throw new ConfigurationError([`${name} ${error.message.slice(error.field.length + 1)}`]);
    }
    throw error;
  };
  if (env.COZE_CLIENT_ID || env.COZE_PRIVATE_KEY || env.COZE_KID) {
    try {
      const duration = env.COZE_TOKEN_DURATION;
      result.coze = {
        client_id: env.COZE_CLIENT_ID,
        private_key: env.COZE_PRIVATE_KEY ? pem(env.COZE_PRIVATE_KEY) : undefined,
        kid: env.COZE_KID,
        audience: env.COZE_AUDIENCE,
        token_endpoint: env.COZE_TOKEN_ENDPOINT,
        token_duration:
          duration === undefined ? undefined : /^\d+$/.test(duration) ? Number(duration) : NaN,
        account_id: env.COZE_ACCOUNT_ID,
      };
      normaliseConnection('coze', result.coze);
    } catch (error) {
      rename(COZE_FIELDS, error);
    }
  }
  if (env.FEISHU_APP_ID || env.FEISHU_APP_SECRET) {
    try {
      result.feishu = {
        app_id: env.FEISHU_APP_ID,
        app_secret: env.FEISHU_APP_SECRET,
        base_url: env.FEISHU_BASE_URL,
        accounts_url: env.FEISHU_ACCOUNTS_URL,
      };
      normaliseConnection('feishu', result.feishu);
    } catch (error) {
      rename(FEISHU_FIELDS, error);
    }
  }
  return result;
}

/** The check main.ts and the command-line tools add to config's table, before anything starts. */
export const UPSTREAM_ENVIRONMENT_RULE: EnvironmentRule = {
  reads: UPSTREAM_VARIABLE_NAMES,
  problem: (environment) => {
    try {
      connectionsFromEnvironment(environment);
      return undefined;
    } catch (error) {
      if (error instanceof ConfigurationError) return error.message;
      throw error;
    }
  },
};
