import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import path from 'node:path';
import {
  UPSTREAM_VARIABLE_NAMES,
  type Environment,
  type UpstreamVariables,
} from './environment.js';
import { logFormatOf, type LogFormat } from './log-format.js';

/** Typed, derived view of the validated environment, read once at boot. */
@Injectable()
export class AppConfig {
  readonly env: Environment['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  readonly databaseUrl: string;
  /** Where the change feed LISTENs: needs a session, so never a transaction pool. */
  readonly databaseListenUrl: string;
  /** Whether hot statements run as named prepared statements (see DATABASE_PREPARED_STATEMENTS). */
  readonly databasePreparedStatements: boolean;
  readonly dataDir: string;
  readonly adminClient?: { id: string; secret: string };
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly refreshTokenAbsoluteTtl: number;
  readonly authCodeTtl: number;
  /** Leeway for the clocks of JWTs others sign (assertions, proofs): CLOCK_SKEW_SECONDS. */
  readonly clockSkewSeconds: number;
  /** Where a DPoP proof must carry a server nonce (DPOP_NONCE): nowhere, the token endpoint, or also the own routes. */
  readonly dpopNonce: Environment['DPOP_NONCE'];
  readonly sessionIdleTtl: number;
  readonly sessionAbsoluteTtl: number;
  readonly loginThrottle: {
    maxFailuresPerAccount: number;
    maxFailuresPerIp: number;
    lockSeconds: number;
    /** Password attempts per remote address per minute; 0 turns the limit off. */
    ratePerMinute: number;
  };
  /** Failed client authentications per client_id and address, and per address, before a lock. */
  readonly clientAuthThrottle: {
    maxFailuresPerClient: number;
    maxFailuresPerIp: number;
    lockSeconds: number;
  };
  readonly signingAlg: 'ES256' | 'RS256';
  readonly keyEncryptionSecret?: string;
  readonly cookieSecret?: string;
  readonly logLevel: Environment['LOG_LEVEL'];
  readonly logFormat: LogFormat;
  readonly upstreamTimeoutMs: number;
  /** Days an audit event is kept (whole monthly partitions are dropped); undefined: forever. */
  readonly auditRetentionDays?: number;
  /** COZE_* and FEISHU_* as given; the upstream module checks and interprets them. */
  readonly upstreamVariables: Readonly<UpstreamVariables>;
  /** Seconds before expiry at which a cached upstream token is renewed. */
  readonly upstreamRefreshMargin: number;

  constructor(config: ConfigService<Environment, true>) {
    const get = <K extends keyof Environment>(key: K): Environment[K] =>
      config.get(key, { infer: true });
    this.env = get('NODE_ENV');
    this.port = get('PORT');
    this.host = get('HOST');
    this.issuer = get('ISSUER') ?? `http://localhost:${this.port}`;
    const databaseUrl = get('DATABASE_URL');
    if (!databaseUrl) throw new Error('DATABASE_URL must be resolved before the app starts');
    this.databaseUrl = databaseUrl;
    this.databaseListenUrl = get('DATABASE_LISTEN_URL') ?? databaseUrl;
    this.databasePreparedStatements = get('DATABASE_PREPARED_STATEMENTS');
    this.dataDir = path.resolve(get('DATA_DIR'));
    const adminId = get('ADMIN_CLIENT_ID');
    const adminSecret = get('ADMIN_CLIENT_SECRET');
    if (adminId && adminSecret) this.adminClient = { id: adminId, secret: adminSecret };
    this.accessTokenTtl = get('ACCESS_TOKEN_TTL');
    this.refreshTokenTtl = get('REFRESH_TOKEN_TTL');
    this.refreshTokenAbsoluteTtl = get('REFRESH_TOKEN_ABSOLUTE_TTL');
    this.authCodeTtl = get('AUTH_CODE_TTL');
    this.clockSkewSeconds = get('CLOCK_SKEW_SECONDS');
    this.dpopNonce = get('DPOP_NONCE');
    this.sessionIdleTtl = get('SESSION_IDLE_TTL');
    this.sessionAbsoluteTtl = get('SESSION_ABSOLUTE_TTL');
    this.loginThrottle = {
      maxFailuresPerAccount: get('LOGIN_MAX_FAILURES_PER_ACCOUNT'),
      maxFailuresPerIp: get('LOGIN_MAX_FAILURES_PER_IP'),
      lockSeconds: get('LOGIN_LOCK_SECONDS'),
      ratePerMinute: get('LOGIN_RATE_LIMIT'),
    };
    this.clientAuthThrottle = {
      maxFailuresPerClient: get('CLIENT_AUTH_MAX_FAILURES'),
      maxFailuresPerIp: get('CLIENT_AUTH_MAX_FAILURES_PER_IP'),
      lockSeconds: get('CLIENT_AUTH_LOCK_SECONDS'),
    };
    this.signingAlg = get('SIGNING_ALG');
    this.keyEncryptionSecret = get('KEY_ENCRYPTION_SECRET');
    this.cookieSecret = get('COOKIE_SECRET');
    this.logLevel = get('LOG_LEVEL');
    this.logFormat = logFormatOf(get('LOG_FORMAT'), this.env, process.stdout.isTTY === true);
    this.upstreamTimeoutMs = get('UPSTREAM_TIMEOUT_MS');
    this.auditRetentionDays = get('AUDIT_RETENTION_DAYS');
    this.upstreamVariables = Object.fromEntries(
      UPSTREAM_VARIABLE_NAMES.map((name) => [name, get(name)]),
    ) as UpstreamVariables;
    this.upstreamRefreshMargin = get('UPSTREAM_REFRESH_MARGIN');
  }

  get isProduction(): boolean {
    return this.env === 'production';
  }

  get tokenEndpoint(): string {
    return `${this.issuer}/oauth/token`;
  }

  /** Cookies are Secure when the issuer is served over https. */
  get secureCookies(): boolean {
    return this.issuer.startsWith('https:');
  }

  get revocationEndpoint(): string {
    return `${this.issuer}/oauth/revoke`;
  }

  get introspectionEndpoint(): string {
    return `${this.issuer}/oauth/introspect`;
  }
}
