import { verify } from '@node-rs/argon2';
import type { Credentials } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type UserBody = Record<string, unknown> & { id: string; username: string };

describe('admin API: users', () => {
  let t: TestApp;
  let admin: Credentials;

  const create = (body: unknown) => t.http.json<UserBody>('POST', '/admin/users', body, admin);
  const countUsers = async () =>
    Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM users'))[0].n);
  const storedHash = async (id: string) =>
    (
      await t.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [
        id,
      ])
    )[0].password_hash;

  beforeAll(async () => {
    t = await startTestApp();
    admin = { bearer: await t.http.clientToken(t.admin.id, t.admin.secret, 'admin') };
  });
  afterAll(() => t.close());

  it('creates a user, answering id and username and never a hash', async () => {
    const res = await create({
      username: 'Alice',
      password: 'correct horse battery',
      email: 'alice@example.com',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      username: 'Alice',
      email: 'alice@example.com',
      disabled: false,
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.text).not.toMatch(/hash|argon|password/i);

    const hash = await storedHash(res.body.id);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verify(hash, 'correct horse battery')).toBe(true);
    expect(hash).not.toContain('correct horse battery');

    const shown = await t.http.get(`/admin/users/${res.body.id}`, admin);
    expect(shown.status).toBe(200);
    expect(shown.text).not.toMatch(/hash|argon|password/i);
  });

  it('treats usernames as unique regardless of case', async () => {
    expect((await create({ username: 'bob', password: 'correct horse battery' })).status).toBe(201);
    const before = await countUsers();
    const res = await create({ username: 'BOB', password: 'another good password' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'conflict', error_description: 'username is already taken' });
    expect(await countUsers()).toBe(before);
  });

  it.each([
    ['a short password', { username: 'carol', password: 'short' }, 'password'],
    ['a missing password', { username: 'carol' }, 'password'],
    [
      'a username with spaces',
      { username: 'car ol', password: 'correct horse battery' },
      'username',
    ],
    ['an empty username', { username: '', password: 'correct horse battery' }, 'username'],
    [
      'a huge username',
      { username: 'c'.repeat(500), password: 'correct horse battery' },
      'username',
    ],
    ['a huge password', { username: 'carol', password: 'p'.repeat(2000) }, 'password'],
    [
      'a bad email',
      { username: 'carol', password: 'correct horse battery', email: 'not-an-email' },
      'email',
    ],
    ['a numeric username', { username: 42, password: 'correct horse battery' }, 'username'],
    [
      'an unknown field',
      { username: 'carol', password: 'correct horse battery', role: 'admin' },
      'role',
    ],
    [
      'a hash smuggled in',
      { username: 'carol', password: 'correct horse battery', passwordHash: '$argon2id$...' },
      'passwordHash',
    ],
  ])('refuses %s with 400 naming the field, writing nothing', async (_name, body, field) => {
    const before = await countUsers();
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toContain(field);
    expect(await countUsers()).toBe(before);
  });

  it('lists users page by page', async () => {
    for (const name of ['dave', 'erin', 'frank'])
      await create({ username: name, password: 'correct horse battery' });
    const total = await countUsers();
    const page = await t.http.get<{ items: UserBody[]; total: number }>(
      '/admin/users?limit=2&offset=1',
      admin,
    );
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(total);
    expect(page.body.items).toHaveLength(2);
    expect(page.text).not.toMatch(/hash|argon/i);
  });

  it('updates email and password, rehashing the password', async () => {
    const { body: user } = await create({ username: 'grace', password: 'correct horse battery' });
    const oldHash = await storedHash(user.id);
    const res = await t.http.json<UserBody>(
      'PATCH',
      `/admin/users/${user.id}`,
      { email: 'grace@example.com', password: 'a brand new passphrase' },
      admin,
    );
    expect(res.status).toBe(200);
    expect(res.body.email).toBe('grace@example.com');
    const newHash = await storedHash(user.id);
    expect(newHash).not.toBe(oldHash);
    expect(await verify(newHash, 'a brand new passphrase')).toBe(true);

    const cleared = await t.http.json<UserBody>(
      'PATCH',
      `/admin/users/${user.id}`,
      { email: null },
      admin,
    );
    expect(cleared.body.email).toBeNull();
  });

  it('refuses renaming onto a taken username, changing nothing', async () => {
    await create({ username: 'heidi', password: 'correct horse battery' });
    const { body: ivan } = await create({ username: 'ivan', password: 'correct horse battery' });
    const res = await t.http.json('PATCH', `/admin/users/${ivan.id}`, { username: 'HEIDI' }, admin);
    expect(res.status).toBe(409);
    expect((await t.http.get<UserBody>(`/admin/users/${ivan.id}`, admin)).body.username).toBe(
      'ivan',
    );
  });

  it('disables, enables and deletes a user', async () => {
    const { body: user } = await create({ username: 'judy', password: 'correct horse battery' });
    const off = await t.http.request<UserBody>('POST', `/admin/users/${user.id}/disable`, {
      auth: admin,
    });
    expect(off.status).toBe(200);
    expect(off.body.disabled).toBe(true);
    const on = await t.http.request<UserBody>('POST', `/admin/users/${user.id}/enable`, {
      auth: admin,
    });
    expect(on.body.disabled).toBe(false);
    expect(
      (await t.http.request('DELETE', `/admin/users/${user.id}`, { auth: admin })).status,
    ).toBe(204);
    expect((await t.http.get(`/admin/users/${user.id}`, admin)).status).toBe(404);
    expect(await t.db.query('SELECT id FROM users WHERE id = $1', [user.id])).toEqual([]);
  });

  it.each(['not-a-uuid', '00000000-0000-0000-0000-000000000000', "1' OR '1'='1"])(
    'answers 404 for the unknown id %s',
    async (id) => {
      const res = await t.http.get(`/admin/users/${encodeURIComponent(id)}`, admin);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not_found');
    },
  );
});
