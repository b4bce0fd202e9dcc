import { ConfigurationError, validateEnvironment } from './environment.js';

const secret = (c: string) => c.repeat(8) + 'x'.repeat(32);
const PRODUCTION = {
  NODE_ENV: 'production',
  ISSUER: 'https://auth.example.com',
  ADMIN_CLIENT_ID: 'ops',
  ADMIN_CLIENT_SECRET: secret('a'),
  KEY_ENCRYPTION_SECRET: secret('k'),
  COOKIE_SECRET: secret('c'),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    validateEnvironment(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return error.problems;
  }
}

describe('production refuses development defaults', () => {
  it('boots with every secret and the issuer set', () => {
    expect(problemsOf(PRODUCTION)).toEqual([]);
  });

  it('names every variable that development would have generated or guessed', () => {
    expect(problemsOf({ NODE_ENV: 'production' }).sort()).toEqual([
      'ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set when NODE_ENV is production',
      'COOKIE_SECRET must be set when NODE_ENV is production',
      'ISSUER must be set when NODE_ENV is production',
      'KEY_ENCRYPTION_SECRET must be set when NODE_ENV is production',
    ]);
  });

  it.each(['COOKIE_SECRET', 'KEY_ENCRYPTION_SECRET', 'ISSUER'])('refuses a missing %s', (name) => {
    expect(problemsOf({ ...PRODUCTION, [name]: '' })).toEqual([
      `${name} must be set when NODE_ENV is production`,
    ]);
  });

  it('refuses a plain-http issuer that is not on loopback', () => {
    expect(problemsOf({ ...PRODUCTION, ISSUER: 'http://auth.example.com' })).toEqual([
      'ISSUER must be an https URL when NODE_ENV is production',
    ]);
    for (const loopback of ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:80']) {
      expect(problemsOf({ ...PRODUCTION, ISSUER: loopback })).toEqual([]);
    }
  });

  it('refuses one secret used for two purposes', () => {
    expect(problemsOf({ ...PRODUCTION, COOKIE_SECRET: PRODUCTION.KEY_ENCRYPTION_SECRET })).toEqual([
      'KEY_ENCRYPTION_SECRET, COOKIE_SECRET and ADMIN_CLIENT_SECRET must all be different',
    ]);
    expect(
      problemsOf({ ...PRODUCTION, ADMIN_CLIENT_SECRET: PRODUCTION.KEY_ENCRYPTION_SECRET }),
    ).toHaveLength(1);
  });

  it('leaves development and test to their defaults', () => {
    expect(problemsOf({ NODE_ENV: 'development' })).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'test', ISSUER: 'http://auth.example.com' })).toEqual([]);
  });
});
