import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { randomToken } from '../common/secrets.js';
import { dataSourceOptions } from '../database/data-source.options.js';
import { KeyEncryption } from '../keys/key-encryption.js';
import { ExternalSignInStateStore } from './external-sign-in-state.store.js';

// The sign-in state's rules on a real PostgreSQL with the real schema.
describe('ExternalSignInStateStore', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let store: ExternalSignInStateStore;

  const start = async (connection = 'feishu', requestId: string | null = null) => {
    const signIn = { state: randomToken(24), connection, codeVerifier: randomToken(32), requestId };
    await store.start(signIn);
    return signIn;
  };
  const rows = () =>
    dataSource.query<{ connection: string; code_verifier_encrypted: Buffer }[]>(
      'SELECT connection, code_verifier_encrypted FROM upstream_sign_ins',
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource(dataSourceOptions(database.url));
    await dataSource.initialize();
    await dataSource.runMigrations();
    store = new ExternalSignInStateStore(dataSource, new KeyEncryption('test-secret'));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(() => dataSource.query('DELETE FROM upstream_sign_ins'));

  it('keeps the verifier encrypted, and answers it with the request once', async () => {
    const signIn = await start('feishu', 'request-1');
    const [row] = await rows();
    expect(row.code_verifier_encrypted.toString('latin1')).not.toContain(signIn.codeVerifier);
    expect(await store.take(signIn.state, signIn.state, 'feishu')).toEqual({
      codeVerifier: signIn.codeVerifier,
      requestId: 'request-1',
    });
    expect(await store.take(signIn.state, signIn.state, 'feishu')).toBeUndefined();
    expect(await rows()).toEqual([]);
  });

  it("answers nothing, and keeps the row, when the browser's copy differs or is missing", async () => {
    const signIn = await start();
    expect(await store.take(signIn.state, randomToken(24), 'feishu')).toBeUndefined();
    expect(await store.take(signIn.state, '', 'feishu')).toBeUndefined();
    expect(await store.take('', '', 'feishu')).toBeUndefined();
    // As many characters as the browser's copy, but more bytes: refused, not a 500.
    const sameLength = 'é'.repeat(signIn.state.length);
    expect(await store.take(sameLength, signIn.state, 'feishu')).toBeUndefined();
    expect(await store.take(signIn.state, sameLength, 'feishu')).toBeUndefined();
    expect(await rows()).toHaveLength(1);
  });

  it('answers nothing for another connection, nor once expired', async () => {
    const signIn = await start('feishu');
    expect(await store.take(signIn.state, signIn.state, 'lark')).toBeUndefined();
    await dataSource.query(`UPDATE upstream_sign_ins SET expires_at = now() - interval '1 second'`);
    expect(await store.take(signIn.state, signIn.state, 'feishu')).toBeUndefined();
  });

  it('takes a state once under concurrency', async () => {
    const signIn = await start();
    const taken = await Promise.all(
      Array.from({ length: 5 }, () => store.take(signIn.state, signIn.state, 'feishu')),
    );
    expect(taken.filter(Boolean)).toHaveLength(1);
  });
});
