import { createHash } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import type { Credentials } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type ClientBody = Record<string, unknown> & { client_id: string; client_secret?: string };

describe('admin API: clients', () => {
  let t: TestApp;
  let admin: Credentials;

  const countClients = async () =>
    Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM clients'))[0].n);
  const create = (body: unknown) => t.http.json<ClientBody>('POST', '/admin/clients', body, admin);

  beforeAll(async () => {
    t = await startTestApp();
    admin = { bearer: await t.http.clientToken(t.admin.id, t.admin.secret, 'admin') };
  });
  afterAll(() => t.close());

  describe('registration', () => {
    it('registers a confidential client and shows its secret once, storing only a SHA-256 digest', async () => {
      const res = await create({
        client_name: 'Billing',
        grant_types: ['client_credentials'],
        scope: 'orders:read  orders:write orders:read',
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        client_name: 'Billing',
        grant_types: ['client_credentials'],
        response_types: [],
        scope: 'orders:read orders:write',
        token_endpoint_auth_method: 'client_secret_basic',
        disabled: false,
        client_secret_expires_at: 0,
      });
      expect(res.body.client_id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(res.body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const [row] = await t.db.query<{ secret_digest: Buffer }>(
        'SELECT secret_digest FROM clients WHERE client_id = $1',
        [res.body.client_id],
      );
      expect(row.secret_digest).toEqual(
        createHash('sha256').update(res.body.client_secret!).digest(),
      );
      const dump = JSON.stringify(
        await t.db.query('SELECT * FROM clients WHERE client_id = $1', [res.body.client_id]),
      );
      expect(dump).not.toContain(res.body.client_secret);

      const shown = await t.http.get<ClientBody>(`/admin/clients/${res.body.client_id}`, admin);
      expect(shown.status).toBe(200);
      expect(shown.body.client_secret).toBeUndefined();
      expect(shown.text).not.toContain('digest');
    });

    it('defaults to the authorization_code grant with the code response type (RFC 7591 §2)', async () => {
      const res = await create({ redirect_uris: ['https://app.example.com/cb'] });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        grant_types: ['authorization_code'],
        response_types: ['code'],
      });
      expect(res.body.client_name).toBe(res.body.client_id);
    });

    it('registers a public client without a secret', async () => {
      const res = await create({
        client_name: 'SPA',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['https://spa.example.com/callback'],
      });
      expect(res.status).toBe(201);
      expect(res.body.client_secret).toBeUndefined();
      const [row] = await t.db.query<{ secret_digest: Buffer | null }>(
        'SELECT secret_digest FROM clients WHERE client_id = $1',
        [res.body.client_id],
      );
      expect(row.secret_digest).toBeNull();
    });

    it.each([
      ['https://app.example.com/callback?x=1'],
      ['http://localhost:8080/cb'],
      ['http://127.0.0.1/cb'],
      ['http://[::1]:5000/cb'],
      ['com.example.app:/oauth2redirect'],
    ])('accepts the redirect URI %s', async (uri) => {
      const res = await create({ redirect_uris: [uri] });
      expect(res.status).toBe(201);
      expect(res.body.redirect_uris).toEqual([uri]);
    });

    it.each([
      ['http://app.example.com/cb', 'must use https'],
      ['https://app.example.com/cb#frag', 'fragment'],
      ['/relative/cb', 'absolute'],
      ['javascript:alert(1)', 'javascript'],
      ['data:text/html,hi', 'data'],
      ['https://user:pass@app.example.com/cb', 'user information'],
      ['myapp:/cb', 'private-use scheme'],
      ['https://app.example.com/c b', 'whitespace'],
    ])('refuses the redirect URI %s with 400 naming the field', async (uri, reason) => {
      const before = await countClients();
      const res = await create({
        client_name: 'Bad',
        redirect_uris: ['https://ok.example.com/cb', uri],
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_redirect_uri');
      expect(res.body.error_description).toContain('redirect_uris[1]');
      expect(res.body.error_description).toContain(reason);
      expect(await countClients()).toBe(before);
    });

    it.each([
      [{ grant_types: ['authorization_code'] }, 'invalid_redirect_uri', 'redirect_uris'],
      [
        { grant_types: ['client_credentials'], response_types: ['code'] },
        'invalid_client_metadata',
        'response_types',
      ],
      [
        { token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] },
        'invalid_client_metadata',
        'confidential',
      ],
      [{ grant_types: ['urn:example:unknown'] }, 'invalid_client_metadata', 'grant_types'],
      [
        { grant_types: ['client_credentials'], scope: 'bad"scope' },
        'invalid_client_metadata',
        'scope',
      ],
      [
        { token_endpoint_auth_method: 'private_key_jwt_typo' },
        'invalid_client_metadata',
        'token_endpoint_auth_method',
      ],
    ])('refuses inconsistent metadata %j', async (body, error, field) => {
      const before = await countClients();
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(error);
      expect(res.body.error_description).toContain(field);
      expect(await countClients()).toBe(before);
    });

    it('accepts public keys in jwks and refuses private ones', async () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const ok = await create({
        grant_types: ['client_credentials'],
        jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' }] },
      });
      expect(ok.status).toBe(201);
      expect((ok.body.jwks as { keys: { kid: string }[] }).keys[0].kid).toBe('k1');

      const before = await countClients();
      const bad = await create({
        grant_types: ['client_credentials'],
        jwks: { keys: [privateKey.export({ format: 'jwk' })] },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error_description).toContain('jwks.keys[0]');
      const garbage = await create({
        grant_types: ['client_credentials'],
        jwks: { keys: [{ kty: 'EC', x: 'nope' }] },
      });
      expect(garbage.status).toBe(400);
      expect(await countClients()).toBe(before);
    });
  });

  describe('malformed bodies are answered 4xx and write nothing', () => {
    it.each([
      ['wrong type for redirect_uris', { redirect_uris: 'https://a.example.com/cb' }, 400],
      ['wrong type in an array', { redirect_uris: [42] }, 400],
      ['wrong type for client_name', { client_name: { a: 1 } }, 400],
      ['an unknown field', { client_name: 'x', is_admin: true }, 400],
      ['a huge client_name', { client_name: 'x'.repeat(5000) }, 400],
      [
        'too many redirect URIs',
        { redirect_uris: Array.from({ length: 21 }, (_, i) => `https://a.example.com/${i}`) },
        400,
      ],
      ['a non-object jwks', { jwks: 'keys' }, 400],
      ['a JSON array', [1, 2, 3], 400],
    ])('%s', async (_name, body, status) => {
      const before = await countClients();
      const res = await create(body);
      expect(res.status).toBe(status);
      expect(typeof res.body.error).toBe('string');
      expect(typeof res.body.error_description).toBe('string');
      expect(await countClients()).toBe(before);
    });

    it('invalid JSON', async () => {
      const before = await countClients();
      const res = await create('{"client_name": ');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(await countClients()).toBe(before);
    });

    it('a body over the size limit is answered 413', async () => {
      const before = await countClients();
      const res = await create({ client_name: 'x'.repeat(100 * 1024) });
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('invalid_request');
      expect(await countClients()).toBe(before);
    });

    it('a prototype-pollution body is refused', async () => {
      const res = await create('{"client_name":"x","__proto__":{"admin":true}}');
      expect(res.status).toBe(400);
      expect(res.text).not.toMatch(/stack|at \w+ \(/);
    });
  });

  describe('list, get, update, disable, delete', () => {
    it('lists clients page by page', async () => {
      for (let i = 0; i < 3; i++)
        await create({ client_name: `page-${i}`, grant_types: ['client_credentials'] });
      const total = await countClients();
      const first = await t.http.get<{
        items: ClientBody[];
        total: number;
        limit: number;
        offset: number;
      }>('/admin/clients?limit=2&offset=0', admin);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ total, limit: 2, offset: 0 });
      expect(first.body.items).toHaveLength(2);
      const rest = await t.http.get<{ items: ClientBody[] }>(
        `/admin/clients?limit=100&offset=2`,
        admin,
      );
      expect(rest.body.items).toHaveLength(total - 2);
      const ids = [...first.body.items, ...rest.body.items].map((c) => c.client_id);
      expect(new Set(ids).size).toBe(total);
      expect(JSON.stringify(rest.body)).not.toContain('"client_secret"');
    });

    it.each(['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'unknown=1'])(
      'refuses the query %s',
      async (query) => {
        const res = await t.http.get(`/admin/clients?${query}`, admin);
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_request');
      },
    );

    it('answers 404 for an unknown client on every route', async () => {
      for (const [method, path] of [
        ['GET', '/admin/clients/nope'],
        ['PATCH', '/admin/clients/nope'],
        ['POST', '/admin/clients/nope/disable'],
        ['POST', '/admin/clients/nope/secret'],
        ['DELETE', '/admin/clients/nope'],
      ] as const) {
        const res =
          method === 'GET'
            ? await t.http.get(path, admin)
            : await t.http.json(method, path, {}, admin);
        expect([method, path, res.status, res.body.error]).toEqual([
          method,
          path,
          404,
          'not_found',
        ]);
      }
    });

    it('updates metadata, and refuses an invalid update without changing anything', async () => {
      const { body: created } = await create({
        client_name: 'Old',
        grant_types: ['client_credentials'],
        scope: 'a',
      });
      const res = await t.http.json<ClientBody>(
        'PATCH',
        `/admin/clients/${created.client_id}`,
        { client_name: 'New', scope: 'a b' },
        admin,
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        client_name: 'New',
        scope: 'a b',
        grant_types: ['client_credentials'],
      });
      expect(res.body.client_secret).toBeUndefined();

      const bad = await t.http.json(
        'PATCH',
        `/admin/clients/${created.client_id}`,
        { client_name: 'Changed', grant_types: ['authorization_code'] },
        admin,
      );
      expect(bad.status).toBe(400);
      const after = await t.http.get<ClientBody>(`/admin/clients/${created.client_id}`, admin);
      expect(after.body).toMatchObject({ client_name: 'New', grant_types: ['client_credentials'] });
    });

    it('turning a public client confidential issues a secret', async () => {
      const { body: spa } = await create({
        token_endpoint_auth_method: 'none',
        redirect_uris: ['https://x.example.com/cb'],
      });
      const res = await t.http.json<ClientBody>(
        'PATCH',
        `/admin/clients/${spa.client_id}`,
        {
          token_endpoint_auth_method: 'client_secret_post',
          grant_types: ['client_credentials'],
          response_types: [],
        },
        admin,
      );
      expect(res.status).toBe(200);
      expect(res.body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const token = await t.http.form('/oauth/token', {
        grant_type: 'client_credentials',
        client_id: spa.client_id,
        client_secret: res.body.client_secret!,
      });
      expect(token.status).toBe(200);
    });

    it('disables and enables a client', async () => {
      const { body: c } = await create({ grant_types: ['client_credentials'] });
      const off = await t.http.request<ClientBody>(
        'POST',
        `/admin/clients/${c.client_id}/disable`,
        { auth: admin },
      );
      expect(off.status).toBe(200);
      expect(off.body.disabled).toBe(true);
      const refused = await t.http.form(
        '/oauth/token',
        { grant_type: 'client_credentials' },
        { basic: [c.client_id, c.client_secret!] },
      );
      expect(refused.status).toBe(401);
      const on = await t.http.request<ClientBody>('POST', `/admin/clients/${c.client_id}/enable`, {
        auth: admin,
      });
      expect(on.body.disabled).toBe(false);
      const ok = await t.http.form(
        '/oauth/token',
        { grant_type: 'client_credentials' },
        { basic: [c.client_id, c.client_secret!] },
      );
      expect(ok.status).toBe(200);
    });

    it('rotates a secret: the new one works at once, the old one never again', async () => {
      const { body: c } = await create({ grant_types: ['client_credentials'] });
      const rotated = await t.http.request<ClientBody>(
        'POST',
        `/admin/clients/${c.client_id}/secret`,
        { auth: admin },
      );
      expect(rotated.status).toBe(200);
      expect(rotated.body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(rotated.body.client_secret).not.toBe(c.client_secret);
      const old = await t.http.form(
        '/oauth/token',
        { grant_type: 'client_credentials' },
        { basic: [c.client_id, c.client_secret!] },
      );
      expect(old.status).toBe(401);
      const fresh = await t.http.form(
        '/oauth/token',
        { grant_type: 'client_credentials' },
        { basic: [c.client_id, rotated.body.client_secret!] },
      );
      expect(fresh.status).toBe(200);
    });

    it('refuses to rotate the secret of a public client', async () => {
      const { body: spa } = await create({
        token_endpoint_auth_method: 'none',
        redirect_uris: ['https://x.example.com/cb'],
      });
      const res = await t.http.request('POST', `/admin/clients/${spa.client_id}/secret`, {
        auth: admin,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('deletes a client', async () => {
      const { body: c } = await create({ grant_types: ['client_credentials'] });
      const del = await t.http.request('DELETE', `/admin/clients/${c.client_id}`, { auth: admin });
      expect(del.status).toBe(204);
      expect((await t.http.get(`/admin/clients/${c.client_id}`, admin)).status).toBe(404);
      const token = await t.http.form(
        '/oauth/token',
        { grant_type: 'client_credentials' },
        { basic: [c.client_id, c.client_secret!] },
      );
      expect(token.status).toBe(401);
    });
  });
});
