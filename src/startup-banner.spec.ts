import { bannerText, startupFacts } from './startup-banner.js';

describe('startup facts', () => {
  const address = { address: '::1', family: 'IPv6', port: 3000 };

  it('name the embedded cluster directory and a first boot credentials file', () => {
    const facts = startupFacts(
      { issuer: 'https://auth.example.com', databasePreparedStatements: true },
      address,
      {
        url: 'postgres://postgres:pw-0123@127.0.0.1:54329/portcullis',
        embedded: true,
        dataDirectory: '/srv/data/pg',
      },
      '/srv/data/admin-client.json',
    );
    expect(facts).toEqual({
      listening: 'http://[::1]:3000',
      issuer: 'https://auth.example.com',
      discovery: 'https://auth.example.com/.well-known/openid-configuration',
      docs: 'https://auth.example.com/docs',
      admin: 'https://auth.example.com/admin',
      database: { embedded: true, dataDirectory: '/srv/data/pg' },
      statements: 'named',
      adminCredentialsFile: '/srv/data/admin-client.json',
    });
    const text = bannerText(facts);
    expect(text).toContain('embedded PostgreSQL, data in /srv/data/pg');
    expect(text).toMatch(/^ {2}admin credentials {2}\/srv\/data\/admin-client\.json$/m);
    expect(text).not.toContain('pw-0123');
  });

  it('name an external database without its credentials, and no file when none was written', () => {
    const facts = startupFacts(
      { issuer: 'http://localhost:3000', databasePreparedStatements: false },
      address,
      { url: 'postgres://app:pw-0123@db:6432/auth', embedded: false },
      undefined,
    );
    expect(facts.database).toEqual({ embedded: false, address: 'db:6432/auth' });
    expect(facts.statements).toBe('unnamed');
    expect(bannerText(facts)).toMatch(
      /^ {2}statements +unnamed, safe behind a transaction pooler/m,
    );
    expect(facts).not.toHaveProperty('adminCredentialsFile');
    expect(bannerText(facts)).not.toContain('admin credentials');
  });
});
