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
