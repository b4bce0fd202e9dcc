import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { migrations } from '../../migrations/index.js';
import { KeyEncryption } from '../../src/keys/key-encryption.js';
import { activeSigningKey } from '../support/server-keys.js';
import { startTestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

type Jwks = { keys: { kid: string; alg: string; kty: string; use: string }[] };

describe('signing keys', () => {
  it('keep the private key encrypted at rest, bound to its kid', async () => {
    const t = await startTestApp();
    try {
      const { kid, privateKey } = await activeSigningKey(t);
      const [row] = await t.db.query<{
        kid: string;
        private_key_encrypted: Buffer;
        public_jwk: object;
      }>('SELECT kid, private_key_encrypted, public_jwk FROM signing_keys');
      const der = privateKey.export({ format: 'der', type: 'pkcs8' });
      expect(row.kid).toBe(kid);
      expect(row.private_key_encrypted.includes(der)).toBe(false);
      expect(JSON.stringify(row.public_jwk)).not.toContain('"d"');

      const encryption = new KeyEncryption(t.env.KEY_ENCRYPTION_SECRET);
      expect(encryption.decrypt(row.private_key_encrypted, kid)).toEqual(der);
      expect(() => encryption.decrypt(row.private_key_encrypted, 'another-kid')).toThrow();
      expect(() =>
        new KeyEncryption('a-different-secret-of-enough-length!!').decrypt(
          row.private_key_encrypted,
          kid,
        ),
      ).toThrow();
    } finally {
      await t.close();
    }
  });

  it('sign with RS256 when SIGNING_ALG=RS256, keep older keys published, and refuse a wrong KEY_ENCRYPTION_SECRET', async () => {
    const first = await startTestApp();
    const esToken = await first.http.clientToken(first.admin.id, first.admin.secret, 'admin');
    expect(decodeProtectedHeader(esToken).alg).toBe('ES256');
    await first.close({ keepData: true });

    const reuse = {
      database: first.database,
      dataDir: first.dataDir,
      port: Number(first.env.PORT),
    };
    const second = await startTestApp({
      ...reuse,
      env: { SIGNING_ALG: 'RS256', ADMIN_CLIENT_SECRET: first.admin.secret },
    });
    try {
      const jwks = await second.http.get<Jwks>('/.well-known/jwks.json');
      // A key per algorithm: SIGNING_ALG picks the one that signs access tokens.
      expect(jwks.body.keys.map((k) => `${k.kty}/${k.alg}/${k.use}`).sort()).toEqual([
        'EC/ES256/sig',
        'OKP/EdDSA/sig',
        'RSA/PS256/sig',
        'RSA/RS256/sig',
      ]);

      const rsToken = await second.http.clientToken(second.admin.id, second.admin.secret, 'admin');
      const { protectedHeader } = await jwtVerify(
        rsToken,
        createRemoteJWKSet(new URL(`${second.baseUrl}/.well-known/jwks.json`)),
        {
          issuer: second.baseUrl,
          audience: second.baseUrl,
          algorithms: ['RS256'],
        },
      );
      expect(protectedHeader.typ).toBe('at+jwt');
      // The token signed with the retired ES256 key still verifies until it expires.
      expect((await second.http.get('/admin/clients', { bearer: esToken })).status).toBe(200);
      expect((await second.http.get('/admin/clients', { bearer: rsToken })).status).toBe(200);
      const statuses = await second.db.query<{ alg: string; status: string }>(
        'SELECT alg, status FROM signing_keys ORDER BY alg',
      );
      // The ES256 key stays active: it signs the ID tokens of clients that ask for ES256.
      expect(statuses).toEqual([
        { alg: 'ES256', status: 'active' },
        { alg: 'EdDSA', status: 'active' },
        { alg: 'PS256', status: 'active' },
        { alg: 'RS256', status: 'active' },
      ]);
    } finally {
      await second.close({ keepData: true });
    }

    await expect(
      startTestApp({
        ...reuse,
        env: {
          SIGNING_ALG: 'RS256',
          KEY_ENCRYPTION_SECRET: 'not-the-secret-the-keys-were-made-with',
        },
      }),
    ).rejects.toThrow('KEY_ENCRYPTION_SECRET does not decrypt the stored signing keys');
    // (startTestApp rejects with the server's output when the process exits during boot.)
    await first.database.drop();
  });

  it('are shared by instances booting together on one database', async () => {
    const database = await createTestDatabase();
    // Instances of one deployment share their configuration, admin credentials included.
    const env = { ISSUER: 'https://auth.example.test', ADMIN_CLIENT_SECRET: 'x'.repeat(40) };
    const [a, b] = await Promise.all([
      startTestApp({ database, env }),
      startTestApp({ database, env }),
    ]);
    try {
      // One key per algorithm, not one per instance.
      const keys = await a.db.query<{ alg: string }>('SELECT alg FROM signing_keys ORDER BY alg');
      expect(keys).toEqual([
        { alg: 'ES256' },
        { alg: 'EdDSA' },
        { alg: 'PS256' },
        { alg: 'RS256' },
      ]);
      expect((await a.http.get('/.well-known/jwks.json')).body).toEqual(
        (await b.http.get('/.well-known/jwks.json')).body,
      );
      const token = await b.http.clientToken(b.admin.id, 'x'.repeat(40), 'admin');
      expect((await a.http.get('/admin/clients', { bearer: token })).status).toBe(200);
      expect(await a.db.query('SELECT count(*)::int AS n FROM migrations')).toEqual([
        { n: migrations.length },
      ]);
    } finally {
      await a.close({ keepData: true });
      await b.close();
    }
  });
});
