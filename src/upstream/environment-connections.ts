import { readFileSync } from 'node:fs';
import {
  ConnectionSettingError,
  normaliseConnection,
  type ConnectionInput,
} from './connection-rules.js';

type Raw = Record<string, string | undefined>;

const COZE_FIELDS: Record<string, string> = {
  client_id: 'COZE_CLIENT_ID',
  private_key: 'COZE_PRIVATE_KEY',
  kid: 'COZE_KID',
  audience: 'COZE_AUDIENCE',
  token_endpoint: 'COZE_TOKEN_ENDPOINT',
  token_duration: 'COZE_TOKEN_DURATION',
  account_id: 'COZE_ACCOUNT_ID',
};
const FEISHU_FIELDS: Record<string, string> = {
  app_id: 'FEISHU_APP_ID',
  app_secret: 'FEISHU_APP_SECRET',
  base_url: 'FEISHU_BASE_URL',
  accounts_url: 'FEISHU_ACCOUNTS_URL',
};
export const UPSTREAM_VARIABLES = [...Object.values(COZE_FIELDS), ...Object.values(FEISHU_FIELDS)];

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
 * checked like the admin API checks them. Throws a message naming the variable.
 */
export function connectionsFromEnvironment(raw: Raw): {
  coze?: ConnectionInput;
  feishu?: ConnectionInput;
} {
  const result: { coze?: ConnectionInput; feishu?: ConnectionInput } = {};
  const rename = (fields: Record<string, string>, error: unknown): never => {
    if (error instanceof ConnectionSettingError) {
      throw new Error(
        `${fields[error.field] ?? error.field} ${error.message.slice(error.field.length + 1)}`,
      );
    }
    throw error;
  };
  if (raw.COZE_CLIENT_ID || raw.COZE_PRIVATE_KEY || raw.COZE_KID) {
    try {
      const duration = raw.COZE_TOKEN_DURATION;
      result.coze = {
        client_id: raw.COZE_CLIENT_ID,
        private_key: raw.COZE_PRIVATE_KEY ? pem(raw.COZE_PRIVATE_KEY) : undefined,
        kid: raw.COZE_KID,
        audience: raw.COZE_AUDIENCE,
        token_endpoint: raw.COZE_TOKEN_ENDPOINT,
        token_duration:
          duration === undefined ? undefined : /^\d+$/.test(duration) ? Number(duration) : NaN,
        account_id: raw.COZE_ACCOUNT_ID,
      };
      normaliseConnection('coze', result.coze);
    } catch (error) {
      rename(COZE_FIELDS, error);
    }
  }
  if (raw.FEISHU_APP_ID || raw.FEISHU_APP_SECRET) {
    try {
      result.feishu = {
        app_id: raw.FEISHU_APP_ID,
        app_secret: raw.FEISHU_APP_SECRET,
        base_url: raw.FEISHU_BASE_URL,
        accounts_url: raw.FEISHU_ACCOUNTS_URL,
      };
      normaliseConnection('feishu', result.feishu);
    } catch (error) {
      rename(FEISHU_FIELDS, error);
    }
  }
  return result;
}
