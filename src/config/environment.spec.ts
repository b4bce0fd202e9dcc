import { ConfigurationError, validateEnvironment } from './environment.js';

describe('validateEnvironment', () => {
  it('fills in the documented defaults', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: './.data',
      ACCESS_TOKEN_TTL: 900,
      REFRESH_TOKEN_TTL: 2592000,
      AUTH_CODE_TTL: 60,
      SIGNING_ALG: 'ES256',
      LOG_LEVEL: 'info',
    });
    expect(env.ISSUER).toBeUndefined();
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.DATABASE_LISTEN_URL).toBeUndefined();
    expect(env.DATABASE_PREPARED_STATEMENTS).toBe(false);
  });

  it('reads the database settings for a pooler', () => {
    expect(
      validateEnvironment({
        DATABASE_URL: 'postgres://app@pgbouncer:6432/auth',
        DATABASE_LISTEN_URL: 'postgres://app@db:5432/auth',
        DATABASE_PREPARED_STATEMENTS: 'true',
      }),
    ).toMatchObject({
      DATABASE_LISTEN_URL: 'postgres://app@db:5432/auth',
      DATABASE_PREPARED_STATEMENTS: true,
    });
  });

  it('keeps audit events forever unless AUDIT_RETENTION_DAYS is set', () => {
    expect(validateEnvironment({}).AUDIT_RETENTION_DAYS).toBeUndefined();
    expect(validateEnvironment({ AUDIT_RETENTION_DAYS: '400' }).AUDIT_RETENTION_DAYS).toBe(400);
  });

  it('treats empty values as unset and parses integers', () => {
    expect(validateEnvironment({ PORT: '', EMBEDDED_PG_PORT: '6000' })).toMatchObject({
      PORT: 3000,
      EMBEDDED_PG_PORT: 6000,
    });
  });

  it('reports one line per bad variable', () => {
    try {
      validateEnvironment({
        PORT: '3000.5',
        SIGNING_ALG: 'none',
        ISSUER: 'https://a.example.com?x=1',
      });
      throw new Error('expected a ConfigurationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).problems.sort()).toEqual([
        'ISSUER must be an http(s) URL without query, fragment or trailing slash',
        'PORT must be an integer between 1 and 65535',
        'SIGNING_ALG must be ES256 or RS256',
      ]);
    }
  });

  it('turns tracing on only with an http(s) collector URL', () => {
    expect(validateEnvironment({}).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(validateEnvironment({}).OTEL_SERVICE_NAME).toBe('portcullis');
    expect(
      validateEnvironment({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })
        .OTEL_EXPORTER_OTLP_ENDPOINT,
    ).toBe('http://collector:4318');
    let refused: unknown;
    try {
      validateEnvironment({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_SERVICE_NAME: 'a b',
      });
    } catch (error) {
      refused = error;
    }
    expect((refused as ConfigurationError).problems).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL',
      'OTEL_SERVICE_NAME must be 1 to 128 characters without spaces',
    ]);
  });

  it('accepts an issuer with a path', () => {
    expect(validateEnvironment({ ISSUER: 'https://example.com/auth' }).ISSUER).toBe(
      'https://example.com/auth',
    );
  });

  it('ignores variables it does not know', () => {
    expect(validateEnvironment({ SOMETHING_ELSE: 'x' })).not.toHaveProperty('SOMETHING_ELSE');
  });

  it('reads TRUST_PROXY as false, a hop count, or a list of proxy addresses and CIDRs', () => {
    expect(validateEnvironment({}).TRUST_PROXY).toBe(false);
    expect(validateEnvironment({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(validateEnvironment({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(
      validateEnvironment({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8' }).TRUST_PROXY,
    ).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
  });

  it('refuses a TRUST_PROXY that trusts everyone or is not addresses', () => {
    for (const value of [
      'true',
      '0',
      '33',
      '10.0.0.0/33',
      '::1/129',
      'proxy.example.com',
      '1.2.3.4,',
    ]) {
      expect(() => validateEnvironment({ TRUST_PROXY: value })).toThrow(
        'TRUST_PROXY must be false, a hop count from 1 to 32, or a comma-separated list of proxy addresses or CIDRs',
      );
    }
  });
});

describe('the table of variables', () => {
  const problemsOf = (
    env: Record<string, string>,
    rules: Parameters<typeof validateEnvironment>[1] = [],
  ): string[] => {
    try {
      validateEnvironment(env, rules);
      return [];
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      return error.problems;
    }
  };

  it('gives every variable with a default its default, and leaves the others unset', () => {
    expect(validateEnvironment({})).toEqual({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '127.0.0.1',
      TRUST_PROXY: false,
      DATABASE_PREPARED_STATEMENTS: false,
      DATA_DIR: './.data',
      ACCESS_TOKEN_TTL: 900,
      REFRESH_TOKEN_TTL: 2592000,
      REFRESH_TOKEN_ABSOLUTE_TTL: 7776000,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: 5,
      LOGIN_MAX_FAILURES_PER_IP: 20,
      LOGIN_LOCK_SECONDS: 900,
      LOGIN_RATE_LIMIT: 120,
      CLIENT_AUTH_MAX_FAILURES: 10,
      CLIENT_AUTH_MAX_FAILURES_PER_IP: 100,
      CLIENT_AUTH_LOCK_SECONDS: 900,
      SESSION_IDLE_TTL: 1800,
      SESSION_ABSOLUTE_TTL: 43200,
      AUTH_CODE_TTL: 60,
      CLOCK_SKEW_SECONDS: 30,
      DPOP_NONCE: 'off',
      SIGNING_ALG: 'ES256',
      UPSTREAM_TIMEOUT_MS: 10000,
      UPSTREAM_REFRESH_MARGIN: 60,
      LOG_LEVEL: 'info',
      OTEL_SERVICE_NAME: 'portcullis',
    });
  });

  it('trims values, and counts blank ones as unset', () => {
    expect(validateEnvironment({ PORT: ' 4000 ', HOST: '   ', ISSUER: '\t' })).toMatchObject({
      PORT: 4000,
      HOST: '127.0.0.1',
    });
    expect(validateEnvironment({ ISSUER: ' ' }).ISSUER).toBeUndefined();
  });

  it('reads the bounds of a range as allowed', () => {
    expect(
      validateEnvironment({ LOGIN_RATE_LIMIT: '0', AUTH_CODE_TTL: '600', PORT: '65535' }),
    ).toMatchObject({ LOGIN_RATE_LIMIT: 0, AUTH_CODE_TTL: 600, PORT: 65535 });
  });

  it.each([
    // integers: not a decimal integer, below, above, the one refused value
    ['PORT', '3000.5', 'PORT must be an integer between 1 and 65535'],
    ['PORT', '+80', 'PORT must be an integer between 1 and 65535'],
    ['PORT', '1e3', 'PORT must be an integer between 1 and 65535'],
    ['PORT', '0', 'PORT must be an integer between 1 and 65535'],
    [
      'AUTH_CODE_TTL',
      '601',
      'AUTH_CODE_TTL must be an integer number of seconds between 1 and 600',
    ],
    [
      'CLOCK_SKEW_SECONDS',
      '61',
      'CLOCK_SKEW_SECONDS must be an integer number of seconds between 0 and 60',
    ],
    ['DPOP_NONCE', 'on', 'DPOP_NONCE must be one of off, token, all'],
    [
      'UPSTREAM_TIMEOUT_MS',
      '99',
      'UPSTREAM_TIMEOUT_MS must be an integer number of milliseconds between 100 and 120000',
    ],
    [
      'AUDIT_RETENTION_DAYS',
      '0',
      'AUDIT_RETENTION_DAYS must be an integer number of days between 1 and 36500',
    ],
    ['LOGIN_RATE_LIMIT', '-1', 'LOGIN_RATE_LIMIT must be an integer between 0 (off) and 1000000'],
    [
      'EMBEDDED_PG_PORT',
      '5432',
      'EMBEDDED_PG_PORT must be an integer between 1024 and 65535, not 5432',
    ],
    [
      'EMBEDDED_PG_PORT',
      '1023',
      'EMBEDDED_PG_PORT must be an integer between 1024 and 65535, not 5432',
    ],
    // one of a list
    ['NODE_ENV', 'prod', 'NODE_ENV must be one of development, production, test'],
    ['SIGNING_ALG', 'es256', 'SIGNING_ALG must be ES256 or RS256'],
    // patterns
    ['HOST', 'my host', 'HOST must be a host name or an IP address'],
    [
      'ISSUER',
      'https://auth.example.com#top',
      'ISSUER must be an http(s) URL without query, fragment or trailing slash',
    ],
    ['DATABASE_URL', 'mysql://db', 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    [
      'DATABASE_LISTEN_URL',
      'mysql://db',
      'DATABASE_LISTEN_URL must be a postgres:// or postgresql:// URL',
    ],
    ['DATABASE_PREPARED_STATEMENTS', 'yes', 'DATABASE_PREPARED_STATEMENTS must be true or false'],
    [
      'ADMIN_CLIENT_ID',
      'ops team',
      'ADMIN_CLIENT_ID must be 1 to 128 URL-safe characters (A-Z a-z 0-9 . _ ~ -)',
    ],
    // secrets: each bound has its line
    ['COOKIE_SECRET', 'c'.repeat(31), 'COOKIE_SECRET must be at least 32 characters'],
    [
      'KEY_ENCRYPTION_SECRET',
      'k'.repeat(1025),
      'KEY_ENCRYPTION_SECRET must be at most 1024 characters',
    ],
  ])('refuses %s=%j in one line naming it', (name, value, message) => {
    const extra: Record<string, string> =
      name === 'ADMIN_CLIENT_ID' ? { ADMIN_CLIENT_SECRET: 's'.repeat(32) } : {};
    expect(problemsOf({ ...extra, [name]: value })).toEqual([message]);
  });

  it('refuses related variables that disagree', () => {
    expect(problemsOf({ ADMIN_CLIENT_SECRET: 's'.repeat(32) })).toEqual([
      'ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together',
    ]);
    expect(problemsOf({ REFRESH_TOKEN_TTL: '600', REFRESH_TOKEN_ABSOLUTE_TTL: '599' })).toEqual([
      'REFRESH_TOKEN_ABSOLUTE_TTL must not be shorter than REFRESH_TOKEN_TTL',
    ]);
    expect(problemsOf({ DATABASE_LISTEN_URL: 'postgres://db/auth' })).toEqual([
      'DATABASE_LISTEN_URL needs DATABASE_URL (the embedded PostgreSQL is listened to directly)',
    ]);
  });

  it('does not judge a relation over a variable already refused', () => {
    expect(problemsOf({ REFRESH_TOKEN_TTL: '31536001' })).toEqual([
      'REFRESH_TOKEN_TTL must be an integer number of seconds between 60 and 31536000',
    ]);
  });

  describe('rules a feature module adds', () => {
    const rule = {
      reads: ['PORT'] as const,
      problem: (env: { PORT: number }) => (env.PORT === 4000 ? 'PORT must not be 4000' : undefined),
    };

    it('reports their line with the others', () => {
      expect(problemsOf({ PORT: '4000', SIGNING_ALG: 'none' }, [rule]).sort()).toEqual([
        'PORT must not be 4000',
        'SIGNING_ALG must be ES256 or RS256',
      ]);
      expect(problemsOf({ PORT: '4001' }, [rule])).toEqual([]);
    });

    it('skips them when a variable they read is malformed', () => {
      expect(problemsOf({ PORT: 'x' }, [rule])).toEqual([
        'PORT must be an integer between 1 and 65535',
      ]);
    });

    it('judges them besides what production refuses', () => {
      expect(problemsOf({ NODE_ENV: 'production', PORT: '4000' }, [rule])).toContain(
        'PORT must not be 4000',
      );
    });
  });
});
