import type { Credentials } from '../support/http-client.js';
import { adminAuth, registerClient } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Page = {
  items: Record<string, unknown>[];
  limit: number;
  next: string | null;
  total?: number;
  offset?: number;
};

/** Each admin list, with what names its rows and how to add one. */
const LISTS: { path: string; key: string }[] = [
  { path: '/admin/clients', key: 'client_id' },
  { path: '/admin/users', key: 'id' },
  { path: '/admin/apis', key: 'id' },
  { path: '/admin/audit-events', key: 'id' },
];

describe('admin lists: keyset pages (?after=<next>)', () => {
  let t: TestApp;
  let admin: Credentials;

  const get = (path: string) => t.http.get<Page>(path, admin);

  /** Every row of a list, page by page through `next`, and the pages' sizes. */
  async function walk(path: string, key: string, limit: number, between?: () => Promise<void>) {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const query = `limit=${limit}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
      const page = await get(`${path}?${query}`);
      expect(page.status).toBe(200);
      if (after !== null) expect(page.body).not.toHaveProperty('total');
      seen.push(...page.body.items.map((item) => String(item[key])));
      after = page.body.next;
      await between?.();
    } while (after !== null);
    return seen;
  }

  /** The list's rows in one offset page, in the list's own order. */
  async function all(path: string, key: string): Promise<string[]> {
    const page = await get(`${path}?limit=100`);
    expect(page.body.next).toBeNull();
    return page.body.items.map((item) => String(item[key]));
  }

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    for (let i = 0; i < 7; i++) {
      await registerClient(t, admin, {
        client_name: `keyset ${i}`,
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'a',
      });
      const api = await t.http.json(
        'POST',
        '/admin/apis',
        { identifier: `https://api${i}.example.com`, name: `API ${i}`, scopes: [] },
        admin,
      );
      expect(api.status).toBe(201);
    }
    // Users sharing one created_at to the microsecond: only the id tells them apart.
    await t.db.query(
      `INSERT INTO users (username, password_hash, created_at, updated_at)
        SELECT 'same-instant-' || g, 'not-a-hash', '2026-01-01 00:00:00.123456+00', now()
          FROM generate_series(1, 9) g`,
    );
    await t.db.query(
      `INSERT INTO audit_events (at, type, details)
        SELECT now() - g * interval '1 second', 'token.issued', '{}' FROM generate_series(1, 11) g`,
    );
  });
  afterAll(() => t.close());

  it.each(LISTS)(
    '$path: pages after the cursor walk every row exactly once',
    async ({ path, key }) => {
      const expected = await all(path, key);
      expect(expected.length).toBeGreaterThanOrEqual(7);
      for (const limit of [1, 3, 100]) expect(await walk(path, key, limit)).toEqual(expected);
    },
  );

  it('offset pages answer as before, with the cursor of their last row', async () => {
    const first = await get('/admin/users?limit=4&offset=2');
    expect(first.body).toMatchObject({ limit: 4, offset: 2, total: 9 });
    const rest = await get(`/admin/users?limit=100&after=${first.body.next}`);
    expect([...first.body.items, ...rest.body.items].map((user) => user.username)).toEqual(
      (await get('/admin/users?limit=100')).body.items.slice(2).map((u) => u.username),
    );
  });

  it('rows added during a walk shift nothing: none seen twice, none of those before missed', async () => {
    const before = await all('/admin/clients', 'client_id');
    let added = 0;
    const seen = await walk('/admin/clients', 'client_id', 2, async () => {
      added++;
      await registerClient(t, admin, {
        client_name: `during walk ${added}`,
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'a',
      });
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, before.length)).toEqual(before);
    // Newer rows sort last: the walk reached the ones added before its last page.
    expect(seen.length).toBeGreaterThan(before.length);

    // Audit events are newest first: what is logged during the walk is before the cursor.
    const events = await all('/admin/audit-events', 'id');
    const walked = await walk('/admin/audit-events', 'id', 3, async () => {
      await t.db.query(`INSERT INTO audit_events (type) VALUES ('token.issued')`);
    });
    expect(walked).toEqual(events);
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON of the wrong shape', Buffer.from('{"a":1}').toString('base64url')],
    ['a value that is not a timestamp', Buffer.from('["yesterday","x"]').toString('base64url')],
    ['too many values', Buffer.from('["1","2","3"]').toString('base64url')],
  ])('a cursor that is %s is a 400 invalid_request', async (_, cursor) => {
    for (const { path } of LISTS) {
      const res = await t.http.get(`${path}?after=${encodeURIComponent(cursor)}`, admin);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('a cursor with an offset is a 400 invalid_request', async () => {
    const first = await get('/admin/apis?limit=1');
    const res = await t.http.get(`/admin/apis?offset=1&after=${first.body.next}`, admin);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
  });
});
