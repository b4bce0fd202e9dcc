import { databaseAddress } from './database-address.js';

describe('databaseAddress', () => {
  it('names the host, port and database, never the user, password or query', () => {
    expect(
      databaseAddress(
        'postgres://portcullis:s3cr%40t-pw@db.internal:6432/auth?sslmode=require&password=other-pw',
      ),
    ).toBe('db.internal:6432/auth');
    expect(databaseAddress('postgres://u:p@ss:w@rd@db/x')).toBe('db:5432/x');
  });

  it('fills in what libpq would: the query host, localhost and 5432', () => {
    expect(databaseAddress('postgresql://postgres@/portcullis')).toBe('localhost:5432/portcullis');
    expect(databaseAddress('postgres:///db?host=/var/run/postgresql')).toBe(
      '/var/run/postgresql:5432/db',
    );
    expect(databaseAddress('postgres://u:p@[::1]/x')).toBe('[::1]:5432/x');
  });

  it('shows nothing of a URL it cannot read', () => {
    expect(databaseAddress('postgres://u:pa/ss@db/x')).not.toContain('pa/ss');
  });
});
