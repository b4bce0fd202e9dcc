import { createPrivateKey } from 'node:crypto';
import type { UpstreamProvider } from './upstream-connection.entity.js';

/** A connection setting that is missing or malformed; names the field. */
export class ConnectionSettingError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
  }
}

export interface ConnectionInput {
  client_id?: string;
  private_key?: string;
  kid?: string;
  audience?: string;
  token_endpoint?: string;
  token_duration?: number;
  account_id?: string;
  app_id?: string;
  app_secret?: string;
  base_url?: string;
  accounts_url?: string;
  allow_signup?: boolean;
}

export interface NormalisedConnection {
  settings: Record<string, string | number | boolean>;
  secrets: Record<string, string>;
}

export const COZE_DEFAULTS = {
  audience: 'api.coze.cn',
  token_endpoint: 'https://api.coze.cn/api/permission/oauth2/token',
  token_duration: 900,
};
export const FEISHU_DEFAULTS = {
  base_url: 'https://open.feishu.cn',
  accounts_url: 'https://accounts.feishu.cn',
};

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function url(field: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConnectionSettingError(field, 'must be an absolute URL');
  }
  if (
    parsed.protocol !== 'https:' &&
    !(parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))
  ) {
    throw new ConnectionSettingError(field, 'must use https (http only on a loopback host)');
  }
  if (parsed.hash || parsed.username || parsed.password) {
    throw new ConnectionSettingError(field, 'must not carry a fragment or user information');
  }
  return value.replace(/\/$/, '');
}

function required(field: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '')
    throw new ConnectionSettingError(field, 'is required');
  return value.trim();
}

/** An RSA private key in PEM; Coze signs with RS256. */
function rsaPrivateKey(field: string, pem: string): string {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw new ConnectionSettingError(field, 'must be an RSA private key in PEM form');
  }
  return pem.trim();
}

/**
 * The settings and secrets of a connection, checked for its provider. `current` holds what a
 * connection already has, for partial updates.
 */
export function normaliseConnection(
  provider: UpstreamProvider,
  input: ConnectionInput,
  current?: NormalisedConnection,
): NormalisedConnection {
  const merged = {
    ...current?.settings,
    ...current?.secrets,
    ...withoutUndefined(input),
  };
  if (provider === 'coze') {
    const duration = merged.token_duration ?? COZE_DEFAULTS.token_duration;
    if (!Number.isInteger(duration) || duration < 1 || duration > 86399) {
      throw new ConnectionSettingError(
        'token_duration',
        'must be an integer number of seconds between 1 and 86399',
      );
    }
    if (merged.account_id !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(merged.account_id)) {
      throw new ConnectionSettingError('account_id', 'must be 1 to 64 letters, digits, _ or -');
    }
    return {
      settings: {
        client_id: required('client_id', merged.client_id),
        kid: required('kid', merged.kid),
        audience: merged.audience?.trim() || COZE_DEFAULTS.audience,
        token_endpoint: url(
          'token_endpoint',
          merged.token_endpoint ?? COZE_DEFAULTS.token_endpoint,
        ),
        token_duration: duration,
        ...(merged.account_id ? { account_id: merged.account_id } : {}),
      },
      secrets: {
        private_key: rsaPrivateKey('private_key', required('private_key', merged.private_key)),
      },
    };
  }
  return {
    settings: {
      app_id: required('app_id', merged.app_id),
      base_url: url('base_url', merged.base_url ?? FEISHU_DEFAULTS.base_url),
      accounts_url: url('accounts_url', merged.accounts_url ?? FEISHU_DEFAULTS.accounts_url),
      allow_signup: merged.allow_signup ?? false,
    },
    secrets: { app_secret: required('app_secret', merged.app_secret) },
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
