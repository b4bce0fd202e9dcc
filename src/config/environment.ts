import { ConfigurationError } from './configuration-error.js';
import { productionProblems } from './production-rules.js';
import { trustProxy } from './trust-proxy.js';
import {
  flag,
  integer,
  matching,
  oneOf,
  seconds,
  secret,
  text,
  type Reading,
  type Variable,
} from './variable.js';

export { ConfigurationError };

const URL_WITHOUT_EXTRAS = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s?#/])?$/;

/**
 * COZE_* and FEISHU_*, each the text given: a connection is several of them together, so the
 * upstream module, which knows connections, checks them with an EnvironmentRule of its own.
 */
const UPSTREAM_VARIABLES = {
  COZE_CLIENT_ID: text.optional(),
  COZE_PRIVATE_KEY: text.optional(),
  COZE_KID: text.optional(),
  COZE_AUDIENCE: text.optional(),
  COZE_TOKEN_ENDPOINT: text.optional(),
  COZE_TOKEN_DURATION: text.optional(),
  COZE_ACCOUNT_ID: text.optional(),
  FEISHU_APP_ID: text.optional(),
  FEISHU_APP_SECRET: text.optional(),
  FEISHU_BASE_URL: text.optional(),
  FEISHU_ACCOUNTS_URL: text.optional(),
};

/**
 * Every variable Portcullis reads, with its kind and default; nothing else reads process.env.
 * A malformed one is refused with "<NAME> must be <what the kind says>".
 */
export const ENVIRONMENT_VARIABLES = {
  NODE_ENV: oneOf('development', 'production', 'test').defaultsTo('development'),
  PORT: integer(1, 65535).defaultsTo(3000),
  HOST: matching(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or an IP address').defaultsTo('127.0.0.1'),
  ISSUER: matching(
    URL_WITHOUT_EXTRAS,
    'an http(s) URL without query, fragment or trailing slash',
  ).optional(),
  TRUST_PROXY: trustProxy.defaultsTo(false),
  DATABASE_URL: matching(
    /^postgres(ql)?:\/\/\S+$/,
    'a postgres:// or postgresql:// URL',
  ).optional(),
  // The change feed's LISTEN needs a session: a direct or session-pooled URL behind PgBouncer.
  DATABASE_LISTEN_URL: matching(
    /^postgres(ql)?:\/\/\S+$/,
    'a postgres:// or postgresql:// URL',
  ).optional(),
  // Named (server-side) prepared statements: only for direct connections or a pooler that
  // keeps them per client (PgBouncer 1.21+ with max_prepared_statements).
  DATABASE_PREPARED_STATEMENTS: flag.defaultsTo(false),
  DATA_DIR: text.defaultsTo('./.data'),
  // A system PostgreSQL often holds 5432.
  EMBEDDED_PG_PORT: integer(1024, 65535, { not: 5432 }).optional(),
  ADMIN_CLIENT_ID: matching(
    /^[A-Za-z0-9._~-]{1,128}$/,
    '1 to 128 URL-safe characters (A-Z a-z 0-9 . _ ~ -)',
  ).optional(),
  ADMIN_CLIENT_SECRET: matching(
    /^[\x21-\x7e]{32,256}$/,
    '32 to 256 printable ASCII characters without spaces',
  ).optional(),
  ACCESS_TOKEN_TTL: seconds(60, 86400).defaultsTo(900),
  REFRESH_TOKEN_TTL: seconds(60, 31536000).defaultsTo(2592000),
  REFRESH_TOKEN_ABSOLUTE_TTL: seconds(60, 63072000).defaultsTo(7776000),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: integer(1, 1000).defaultsTo(5),
  LOGIN_MAX_FAILURES_PER_IP: integer(1, 100000).defaultsTo(20),
  LOGIN_LOCK_SECONDS: integer(1, 86400).defaultsTo(900),
  LOGIN_RATE_LIMIT: integer(0, 1000000, { minIsOff: true }).defaultsTo(120),
  CLIENT_AUTH_MAX_FAILURES: integer(1, 1000).defaultsTo(10),
  CLIENT_AUTH_MAX_FAILURES_PER_IP: integer(1, 100000).defaultsTo(100),
  CLIENT_AUTH_LOCK_SECONDS: integer(1, 86400).defaultsTo(900),
  SESSION_IDLE_TTL: seconds(60, 86400).defaultsTo(1800),
  SESSION_ABSOLUTE_TTL: seconds(60, 2592000).defaultsTo(43200),
  AUTH_CODE_TTL: seconds(1, 600).defaultsTo(60),
  /** How far another party's clock may be off: client assertions and DPoP proofs. */
  CLOCK_SKEW_SECONDS: seconds(0, 60).defaultsTo(30),
  /**
   * Server-issued DPoP nonces (RFC 9449 §8): off, required at the token endpoint, or there and
   * at Portcullis's own protected routes.
   */
  DPOP_NONCE: oneOf('off', 'token', 'all').defaultsTo('off'),
  SIGNING_ALG: oneOf('ES256', 'RS256').defaultsTo('ES256'),
  KEY_ENCRYPTION_SECRET: secret(32, 1024).optional(),
  COOKIE_SECRET: secret(32, 1024).optional(),
  /** Unset: audit events are kept forever. */
  AUDIT_RETENTION_DAYS: integer(1, 36500, { unit: 'days' }).optional(),
  UPSTREAM_TIMEOUT_MS: integer(100, 120000, { unit: 'milliseconds' }).defaultsTo(10000),
  UPSTREAM_REFRESH_MARGIN: seconds(0, 3600).defaultsTo(60),
  LOG_LEVEL: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').defaultsTo('info'),
  // Unset: decided by where the logs go (log-format.ts), which the table cannot see.
  LOG_FORMAT: oneOf('json', 'pretty').optional(),
  // Tracing is off unless this names an OTLP/HTTP collector (its base URL, as OpenTelemetry's).
  OTEL_EXPORTER_OTLP_ENDPOINT: matching(/^https?:\/\/\S+$/, 'an http(s) URL').optional(),
  OTEL_SERVICE_NAME: matching(/^\S{1,128}$/, '1 to 128 characters without spaces').defaultsTo(
    'portcullis',
  ),
  ...UPSTREAM_VARIABLES,
};

type ValueOf<V> = V extends Variable<infer T> ? T : never;
type Values<Table> = { [Name in keyof Table]: ValueOf<Table[Name]> };

/** The environment as the table reads it. */
export type Environment = Values<typeof ENVIRONMENT_VARIABLES>;
export type VariableName = keyof Environment;
export type UpstreamVariables = Values<typeof UPSTREAM_VARIABLES>;
export const UPSTREAM_VARIABLE_NAMES = Object.keys(
  UPSTREAM_VARIABLES,
) as (keyof UpstreamVariables)[];

/** A check across variables, or one a feature module makes of the variables it interprets. */
export interface EnvironmentRule {
  /** The variables it reads: it is judged only when each of them is well-formed. */
  readonly reads: readonly VariableName[];
  /** The line that refuses the environment, naming a variable; undefined when it holds. */
  problem(environment: Environment): string | undefined;
}

const RELATIONS: EnvironmentRule[] = [
  {
    reads: ['ADMIN_CLIENT_ID', 'ADMIN_CLIENT_SECRET'],
    problem: (environment) =>
      Boolean(environment.ADMIN_CLIENT_ID) !== Boolean(environment.ADMIN_CLIENT_SECRET)
        ? 'ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together'
        : undefined,
  },
  {
    reads: ['DATABASE_URL', 'DATABASE_LISTEN_URL'],
    problem: (environment) =>
      environment.DATABASE_LISTEN_URL && !environment.DATABASE_URL
        ? 'DATABASE_LISTEN_URL needs DATABASE_URL (the embedded PostgreSQL is listened to directly)'
        : undefined,
  },
  {
    reads: ['REFRESH_TOKEN_TTL', 'REFRESH_TOKEN_ABSOLUTE_TTL'],
    problem: (environment) =>
      environment.REFRESH_TOKEN_ABSOLUTE_TTL < environment.REFRESH_TOKEN_TTL
        ? 'REFRESH_TOKEN_ABSOLUTE_TTL must not be shorter than REFRESH_TOKEN_TTL'
        : undefined,
  },
];

/**
 * Reads and checks the environment: each variable on its own, then how they relate, then
 * what production refuses, then the rules of the feature modules (`featureRules`). Empty
 * values count as unset, so `PORT=` falls back to the default instead of failing on an empty
 * string. Throws a ConfigurationError with one line per problem.
 */
export function validateEnvironment(
  raw: Record<string, unknown>,
  featureRules: readonly EnvironmentRule[] = [],
): Environment {
  const values: Record<string, unknown> = {};
  const malformed = new Set<string>();
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(ENVIRONMENT_VARIABLES)) {
    const given = raw[name];
    const text = typeof given === 'string' ? given.trim() : '';
    const reading: Reading<unknown> =
      text === '' ? { value: variable.fallback } : (variable as Variable<unknown>).read(text);
    if ('mustBe' in reading) {
      malformed.add(name);
      problems.push(`${name} must be ${reading.mustBe}`);
    } else if (reading.value !== undefined) {
      values[name] = reading.value;
    }
  }
  const environment = values as Environment;
  const judge = (rules: readonly EnvironmentRule[]) => {
    for (const rule of rules) {
      if (rule.reads.some((name) => malformed.has(name))) continue;
      const problem = rule.problem(environment);
      if (problem !== undefined) problems.push(problem);
    }
  };
  judge(RELATIONS);
  // Malformed values are reported above; the production rules judge well-formed ones.
  if (problems.length === 0) problems.push(...productionProblems(environment));
  judge(featureRules);
  if (problems.length > 0) throw new ConfigurationError(problems);
  return environment;
}
