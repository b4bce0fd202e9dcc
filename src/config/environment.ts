import { plainToInstance, Transform } from 'class-transformer';
import type { ConnectionInput } from '../upstream/connection-rules.js';
import {
  connectionsFromEnvironment,
  UPSTREAM_VARIABLES,
} from '../upstream/environment-connections.js';
import { isIP } from 'node:net';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
} from 'class-validator';
import { productionProblems } from './production-rules.js';

/** Thrown when the environment is unusable; each line names one variable. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigurationError';
  }
}

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const TRUST_PROXY_MESSAGE =
  'TRUST_PROXY must be false, a hop count from 1 to 32, or a comma-separated list of proxy addresses or CIDRs';

/** An address, or an address with a prefix length that fits its family. */
function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** TRUST_PROXY as Fastify's `trustProxy` takes it; the raw text when it is none of the forms. */
const toTrustProxy = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (/^false$/i.test(text)) return false;
  if (/^\d+$/.test(text)) return Number(text) >= 1 && Number(text) <= 32 ? Number(text) : text;
  const entries = text.split(',').map((entry) => entry.trim());
  return entries.every(isAddressOrCidr) ? entries : text;
};

const URL_WITHOUT_EXTRAS = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s?#/])?$/;

/**
 * The one schema of the process environment. Every variable Portcullis reads is here,
 * with its default; nothing else reads process.env.
 */
export class Environment {
  @IsOptional()
  @IsIn(['development', 'production', 'test'], {
    message: 'NODE_ENV must be one of development, production, test',
  })
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt({ message: 'PORT must be an integer between 1 and 65535' })
  @Min(1, { message: 'PORT must be an integer between 1 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 1 and 65535' })
  PORT = 3000;

  @IsString()
  @Matches(/^[A-Za-z0-9.:[\]-]+$/, { message: 'HOST must be a host name or an IP address' })
  HOST = '127.0.0.1';

  @IsOptional()
  @Matches(URL_WITHOUT_EXTRAS, {
    message: 'ISSUER must be an http(s) URL without query, fragment or trailing slash',
  })
  ISSUER?: string;

  /**
   * Which peers may tell the client's address in X-Forwarded-For (Fastify's `trustProxy`):
   * unset or `false`, the socket's address is the client's (a forged header is ignored);
   * a comma-separated list of proxy addresses and CIDRs (`10.0.0.0/8,127.0.0.1`), whose
   * forwarded address is believed; or a hop count (`1`: the one proxy in front), which
   * believes whoever connects, so only where nothing reaches the server but its proxies. The address counts toward the per-address sign-in and
   * client-authentication limits and goes into the audit trail. `true` (trust any hop) is
   * refused: it would let every client choose the address it is counted as.
   */
  @Transform(toTrustProxy)
  @ValidateBy({
    name: 'trustProxy',
    validator: {
      validate: (value: unknown) =>
        value === false || typeof value === 'number' || Array.isArray(value),
      defaultMessage: () => TRUST_PROXY_MESSAGE,
    },
  })
  TRUST_PROXY: false | number | string[] = false;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message: 'DATABASE_URL must be a postgres:// or postgresql:// URL',
  })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1, { message: 'DATA_DIR must be a directory path' })
  DATA_DIR = './.data';

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EMBEDDED_PG_PORT must be an integer between 1024 and 65535, not 5432' })
  @Min(1024, { message: 'EMBEDDED_PG_PORT must be an integer between 1024 and 65535, not 5432' })
  @Max(65535, { message: 'EMBEDDED_PG_PORT must be an integer between 1024 and 65535, not 5432' })
  EMBEDDED_PG_PORT?: number;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._~-]{1,128}$/, {
    message: 'ADMIN_CLIENT_ID must be 1 to 128 URL-safe characters (A-Z a-z 0-9 . _ ~ -)',
  })
  ADMIN_CLIENT_ID?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,256}$/, {
    message: 'ADMIN_CLIENT_SECRET must be 32 to 256 printable ASCII characters without spaces',
  })
  ADMIN_CLIENT_SECRET?: string;

  @Transform(toInt)
  @IsInt({ message: 'ACCESS_TOKEN_TTL must be an integer number of seconds between 60 and 86400' })
  @Min(60, {
    message: 'ACCESS_TOKEN_TTL must be an integer number of seconds between 60 and 86400',
  })
  @Max(86400, {
    message: 'ACCESS_TOKEN_TTL must be an integer number of seconds between 60 and 86400',
  })
  ACCESS_TOKEN_TTL = 900;

  @Transform(toInt)
  @IsInt({
    message: 'REFRESH_TOKEN_TTL must be an integer number of seconds between 60 and 31536000',
  })
  @Min(60, {
    message: 'REFRESH_TOKEN_TTL must be an integer number of seconds between 60 and 31536000',
  })
  @Max(31536000, {
    message: 'REFRESH_TOKEN_TTL must be an integer number of seconds between 60 and 31536000',
  })
  REFRESH_TOKEN_TTL = 2592000;

  @Transform(toInt)
  @IsInt({
    message:
      'REFRESH_TOKEN_ABSOLUTE_TTL must be an integer number of seconds between 60 and 63072000',
  })
  @Min(60, {
    message:
      'REFRESH_TOKEN_ABSOLUTE_TTL must be an integer number of seconds between 60 and 63072000',
  })
  @Max(63072000, {
    message:
      'REFRESH_TOKEN_ABSOLUTE_TTL must be an integer number of seconds between 60 and 63072000',
  })
  REFRESH_TOKEN_ABSOLUTE_TTL = 7776000;

  @Transform(toInt)
  @IsInt({ message: 'LOGIN_MAX_FAILURES_PER_ACCOUNT must be an integer between 1 and 1000' })
  @Min(1, { message: 'LOGIN_MAX_FAILURES_PER_ACCOUNT must be an integer between 1 and 1000' })
  @Max(1000, { message: 'LOGIN_MAX_FAILURES_PER_ACCOUNT must be an integer between 1 and 1000' })
  LOGIN_MAX_FAILURES_PER_ACCOUNT = 5;

  @Transform(toInt)
  @IsInt({ message: 'LOGIN_MAX_FAILURES_PER_IP must be an integer between 1 and 100000' })
  @Min(1, { message: 'LOGIN_MAX_FAILURES_PER_IP must be an integer between 1 and 100000' })
  @Max(100000, { message: 'LOGIN_MAX_FAILURES_PER_IP must be an integer between 1 and 100000' })
  LOGIN_MAX_FAILURES_PER_IP = 20;

  @Transform(toInt)
  @IsInt({ message: 'LOGIN_LOCK_SECONDS must be an integer between 1 and 86400' })
  @Min(1, { message: 'LOGIN_LOCK_SECONDS must be an integer between 1 and 86400' })
  @Max(86400, { message: 'LOGIN_LOCK_SECONDS must be an integer between 1 and 86400' })
  LOGIN_LOCK_SECONDS = 900;

  @Transform(toInt)
  @IsInt({ message: 'LOGIN_RATE_LIMIT must be an integer between 0 (off) and 1000000' })
  @Min(0, { message: 'LOGIN_RATE_LIMIT must be an integer between 0 (off) and 1000000' })
  @Max(1000000, { message: 'LOGIN_RATE_LIMIT must be an integer between 0 (off) and 1000000' })
  LOGIN_RATE_LIMIT = 120;

  @Transform(toInt)
  @IsInt({ message: 'CLIENT_AUTH_MAX_FAILURES must be an integer between 1 and 1000' })
  @Min(1, { message: 'CLIENT_AUTH_MAX_FAILURES must be an integer between 1 and 1000' })
  @Max(1000, { message: 'CLIENT_AUTH_MAX_FAILURES must be an integer between 1 and 1000' })
  CLIENT_AUTH_MAX_FAILURES = 10;

  @Transform(toInt)
  @IsInt({ message: 'CLIENT_AUTH_MAX_FAILURES_PER_IP must be an integer between 1 and 100000' })
  @Min(1, { message: 'CLIENT_AUTH_MAX_FAILURES_PER_IP must be an integer between 1 and 100000' })
  @Max(100000, {
    message: 'CLIENT_AUTH_MAX_FAILURES_PER_IP must be an integer between 1 and 100000',
  })
  CLIENT_AUTH_MAX_FAILURES_PER_IP = 100;

  @Transform(toInt)
  @IsInt({ message: 'CLIENT_AUTH_LOCK_SECONDS must be an integer between 1 and 86400' })
  @Min(1, { message: 'CLIENT_AUTH_LOCK_SECONDS must be an integer between 1 and 86400' })
  @Max(86400, { message: 'CLIENT_AUTH_LOCK_SECONDS must be an integer between 1 and 86400' })
  CLIENT_AUTH_LOCK_SECONDS = 900;

  @Transform(toInt)
  @IsInt({ message: 'SESSION_IDLE_TTL must be an integer number of seconds between 60 and 86400' })
  @Min(60, {
    message: 'SESSION_IDLE_TTL must be an integer number of seconds between 60 and 86400',
  })
  @Max(86400, {
    message: 'SESSION_IDLE_TTL must be an integer number of seconds between 60 and 86400',
  })
  SESSION_IDLE_TTL = 1800;

  @Transform(toInt)
  @IsInt({
    message: 'SESSION_ABSOLUTE_TTL must be an integer number of seconds between 60 and 2592000',
  })
  @Min(60, {
    message: 'SESSION_ABSOLUTE_TTL must be an integer number of seconds between 60 and 2592000',
  })
  @Max(2592000, {
    message: 'SESSION_ABSOLUTE_TTL must be an integer number of seconds between 60 and 2592000',
  })
  SESSION_ABSOLUTE_TTL = 43200;

  @Transform(toInt)
  @IsInt({ message: 'AUTH_CODE_TTL must be an integer number of seconds between 1 and 600' })
  @Min(1, { message: 'AUTH_CODE_TTL must be an integer number of seconds between 1 and 600' })
  @Max(600, { message: 'AUTH_CODE_TTL must be an integer number of seconds between 1 and 600' })
  AUTH_CODE_TTL = 60;

  @IsIn(['ES256', 'RS256'], { message: 'SIGNING_ALG must be ES256 or RS256' })
  SIGNING_ALG: 'ES256' | 'RS256' = 'ES256';

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'KEY_ENCRYPTION_SECRET must be at least 32 characters' })
  @MaxLength(1024, { message: 'KEY_ENCRYPTION_SECRET must be at most 1024 characters' })
  KEY_ENCRYPTION_SECRET?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'COOKIE_SECRET must be at least 32 characters' })
  @MaxLength(1024, { message: 'COOKIE_SECRET must be at most 1024 characters' })
  COOKIE_SECRET?: string;

  @Transform(toInt)
  @IsInt({
    message: 'UPSTREAM_TIMEOUT_MS must be an integer number of milliseconds between 100 and 120000',
  })
  @Min(100, {
    message: 'UPSTREAM_TIMEOUT_MS must be an integer number of milliseconds between 100 and 120000',
  })
  @Max(120000, {
    message: 'UPSTREAM_TIMEOUT_MS must be an integer number of milliseconds between 100 and 120000',
  })
  UPSTREAM_TIMEOUT_MS = 10000;

  @Transform(toInt)
  @IsInt({
    message: 'UPSTREAM_REFRESH_MARGIN must be an integer number of seconds between 0 and 3600',
  })
  @Min(0, {
    message: 'UPSTREAM_REFRESH_MARGIN must be an integer number of seconds between 0 and 3600',
  })
  @Max(3600, {
    message: 'UPSTREAM_REFRESH_MARGIN must be an integer number of seconds between 0 and 3600',
  })
  UPSTREAM_REFRESH_MARGIN = 60;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  /** The coze/feishu connections described by COZE_* and FEISHU_*, checked; set by validation. */
  UPSTREAM_CONNECTIONS?: { coze?: ConnectionInput; feishu?: ConnectionInput };
}

const KNOWN = Object.keys(new Environment()).concat(UPSTREAM_VARIABLES, [
  'ISSUER',
  'DATABASE_URL',
  'EMBEDDED_PG_PORT',
  'ADMIN_CLIENT_ID',
  'ADMIN_CLIENT_SECRET',
  'KEY_ENCRYPTION_SECRET',
  'COOKIE_SECRET',
]);

/**
 * Reads and checks the environment. Empty values count as unset, so `PORT=` falls back
 * to the default instead of failing on an empty string.
 */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const present: Record<string, unknown> = {};
  for (const key of KNOWN) {
    const value = raw[key];
    if (typeof value === 'string' && value.trim() !== '') present[key] = value.trim();
  }
  const environment = plainToInstance(Environment, present);
  const problems = validateSync(environment, { forbidUnknownValues: true }).map(
    (error) => Object.values(error.constraints ?? {})[0] ?? `${error.property} is invalid`,
  );
  if (Boolean(environment.ADMIN_CLIENT_ID) !== Boolean(environment.ADMIN_CLIENT_SECRET)) {
    problems.push('ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together');
  }
  if (environment.REFRESH_TOKEN_ABSOLUTE_TTL < environment.REFRESH_TOKEN_TTL) {
    problems.push('REFRESH_TOKEN_ABSOLUTE_TTL must not be shorter than REFRESH_TOKEN_TTL');
  }
  if (environment.EMBEDDED_PG_PORT === 5432) {
    problems.push('EMBEDDED_PG_PORT must be an integer between 1024 and 65535, not 5432');
  }
  // Malformed values are reported above; the production rules judge well-formed ones.
  if (problems.length === 0) problems.push(...productionProblems(environment));
  try {
    environment.UPSTREAM_CONNECTIONS = connectionsFromEnvironment(
      present as Record<string, string>,
    );
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return environment;
}
