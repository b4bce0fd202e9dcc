import type { Credentials } from '../support/http-client.js';
import { adminAuth, basic, registerClient, token } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type ApiBody = {
  id: string;
  identifier: string;
  name: string;
  scopes: { value: string; description: string }[];
  access_token_ttl: number;
  dpop_bound_access_tokens: boolean;
  error?: string;
  error_description?: string;
};
type ApiPage = { items: ApiBody[]; total: number; limit: number; offset: number };
type ClientBody = Record<string, unknown> & {
  client_id: string;
  resource_scopes?: Record<string, string>;
  default_resource?: string | null;
};

const BILLING = 'https://billing.example.com';
const SHIPPING = 'https://shipping.example.com/api';

describe('admin API: registered APIs (RFC 8707 resource servers)', () => {
  let t: TestApp;
  let admin: Credentials;

  const create = (body: unknown) => t.http.json<ApiBody>('POST', '/admin/apis', body, admin);
  const patch = (id: string, body: unknown) =>
    t.http.json<ApiBody>('PATCH', `/admin/apis/${id}`, body, admin);
  const countApis = async () =>
    Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM registered_apis'))[0].n);
  const auditRows = (type: string) =>
    t.db.query<{ client_id: string | null; details: Record<string, unknown> }>(
      'SELECT client_id, details FROM audit_events WHERE type = $1 ORDER BY id',
      [type],
    );

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
  });
  afterAll(() => t.close());

  describe('create, read, update, delete', () => {
    let billing: ApiBody;

    it('registers an API: 201 with its id and exactly the fields it was given', async () => {
      const res = await create({
        identifier: BILLING,
        name: 'Billing',
        scopes: [
          { value: 'invoices:read', description: 'Read invoices' },
          { value: 'invoices:write', description: 'Create and change invoices' },
        ],
        access_token_ttl: 600,
        dpop_bound_access_tokens: false,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        identifier: BILLING,
        name: 'Billing',
        scopes: [
          { value: 'invoices:read', description: 'Read invoices' },
          { value: 'invoices:write', description: 'Create and change invoices' },
        ],
        access_token_ttl: 600,
        dpop_bound_access_tokens: false,
      });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      billing = res.body;

      const [row] = await t.db.query<{ identifier: string; access_token_ttl: number }>(
        'SELECT identifier, access_token_ttl FROM registered_apis WHERE id = $1',
        [billing.id],
      );
      expect(row).toEqual({ identifier: BILLING, access_token_ttl: 600 });
      const [audited] = await auditRows('api.created');
      expect(audited.client_id).toBe(t.admin.id);
      expect(audited.details).toMatchObject({ api_id: billing.id, identifier: BILLING });
    });

    it('defaults the lifetime to ACCESS_TOKEN_TTL, no scopes and no DPoP', async () => {
      const res = await create({ identifier: SHIPPING, name: 'Shipping' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        scopes: [],
        access_token_ttl: 900,
        dpop_bound_access_tokens: false,
      });
    });

    it('lets two APIs both define the same scope name', async () => {
      const a = await create({
        identifier: 'https://a.example.com',
        name: 'A',
        scopes: [{ value: 'read', description: 'Read A' }],
      });
      const b = await create({
        identifier: 'https://b.example.com',
        name: 'B',
        scopes: [{ value: 'read', description: 'Read B' }],
      });
      expect([a.status, b.status]).toEqual([201, 201]);
    });

    it('gets one API by id; an unknown or malformed id is 404', async () => {
      const res = await t.http.get<ApiBody>(`/admin/apis/${billing.id}`, admin);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(billing);
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const missing = await t.http.get<ApiBody>(`/admin/apis/${id}`, admin);
        expect(missing.status).toBe(404);
        expect(missing.body.error).toBe('not_found');
      }
    });

    it('lists APIs in pages, oldest first', async () => {
      const all = await t.http.get<ApiPage>('/admin/apis', admin);
      expect(all.status).toBe(200);
      expect(all.body.total).toBe(4);
      expect(all.body.items.map((api) => api.identifier)).toEqual([
        BILLING,
        SHIPPING,
        'https://a.example.com',
        'https://b.example.com',
      ]);
      const page = await t.http.get<ApiPage>('/admin/apis?limit=2&offset=1', admin);
      expect(page.body).toMatchObject({ total: 4, limit: 2, offset: 1 });
      expect(page.body.items.map((api) => api.identifier)).toEqual([
        SHIPPING,
        'https://a.example.com',
      ]);
      const bad = await t.http.get<ApiBody>('/admin/apis?limit=0', admin);
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('invalid_request');
    });

    it('updates name, scopes, lifetime and the DPoP flag, and records api.updated', async () => {
      const res = await patch(billing.id, {
        name: 'Billing v2',
        scopes: [{ value: 'invoices:read', description: 'See invoices' }],
        access_token_ttl: 300,
        dpop_bound_access_tokens: true,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: billing.id,
        identifier: BILLING,
        name: 'Billing v2',
        scopes: [{ value: 'invoices:read', description: 'See invoices' }],
        access_token_ttl: 300,
        dpop_bound_access_tokens: true,
      });
      expect((await t.http.get<ApiBody>(`/admin/apis/${billing.id}`, admin)).body).toMatchObject({
        name: 'Billing v2',
        access_token_ttl: 300,
      });
      const [audited] = await auditRows('api.updated');
      expect(audited.details).toMatchObject({
        api_id: billing.id,
        fields: ['access_token_ttl', 'dpop_bound_access_tokens', 'name', 'scopes'],
      });
    });

    it('refuses to change the identifier, changing nothing', async () => {
      const res = await patch(billing.id, { identifier: 'https://other.example.com' });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      const shown = await t.http.get<ApiBody>(`/admin/apis/${billing.id}`, admin);
      expect(shown.body.identifier).toBe(BILLING);
    });

    it('refuses a bad update: ttl out of range, a scope with a space', async () => {
      for (const body of [
        { access_token_ttl: 59 },
        { access_token_ttl: 86401 },
        { scopes: [{ value: 'a b', description: 'two' }] },
      ]) {
        const res = await patch(billing.id, body);
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_request');
      }
      expect((await t.http.get<ApiBody>(`/admin/apis/${billing.id}`, admin)).body).toMatchObject({
        access_token_ttl: 300,
        scopes: [{ value: 'invoices:read', description: 'See invoices' }],
      });
    });

    it('refuses null for any field: none can be unset (400, never a 500)', async () => {
      const before = (await t.http.get<ApiBody>(`/admin/apis/${billing.id}`, admin)).body;
      for (const field of ['name', 'scopes', 'access_token_ttl', 'dpop_bound_access_tokens']) {
        const res = await patch(billing.id, { [field]: null });
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_request');
        expect(res.body.error_description).toContain(field);
      }
      expect((await t.http.get<ApiBody>(`/admin/apis/${billing.id}`, admin)).body).toEqual(before);
      const created = await create({
        identifier: 'https://null.example.com',
        name: 'N',
        scopes: null,
      });
      expect(created.status).toBe(400);
    });

    it('deletes an API: 204, then 404, and records api.deleted', async () => {
      const res = await t.http.request('DELETE', `/admin/apis/${billing.id}`, { auth: admin });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await t.http.get(`/admin/apis/${billing.id}`, admin)).status).toBe(404);
      const again = await t.http.request('DELETE', `/admin/apis/${billing.id}`, { auth: admin });
      expect(again.status).toBe(404);
      const [audited] = await auditRows('api.deleted');
      expect(audited.details).toMatchObject({ api_id: billing.id, identifier: BILLING });
      expect(audited.client_id).toBe(t.admin.id);
      // The identifier is free again.
      expect((await create({ identifier: BILLING, name: 'Billing again' })).status).toBe(201);
    });
  });

  describe('refusals, each changing nothing', () => {
    const valid = { name: 'X', scopes: [{ value: 'x', description: 'X' }] };
    const refusals: [string, Record<string, unknown>, number, string][] = [
      ['a relative identifier', { ...valid, identifier: '/billing' }, 400, 'invalid_request'],
      ['a bare host', { ...valid, identifier: 'billing.example.com' }, 400, 'invalid_request'],
      [
        'an identifier with a fragment',
        { ...valid, identifier: 'https://x.example.com/#frag' },
        400,
        'invalid_request',
      ],
      [
        'an identifier with an empty fragment',
        { ...valid, identifier: 'https://x.example.com/#' },
        400,
        'invalid_request',
      ],
      [
        'an identifier with whitespace',
        { ...valid, identifier: 'https://x.example.com/a b' },
        400,
        'invalid_request',
      ],
      ['no identifier', { ...valid }, 400, 'invalid_request'],
      ['no name', { identifier: 'https://x.example.com' }, 400, 'invalid_request'],
      [
        'a scope value with a space',
        {
          ...valid,
          identifier: 'https://x.example.com',
          scopes: [{ value: 'a b', description: 'd' }],
        },
        400,
        'invalid_request',
      ],
      [
        'a scope value with a quote',
        {
          ...valid,
          identifier: 'https://x.example.com',
          scopes: [{ value: 'a"b', description: 'd' }],
        },
        400,
        'invalid_request',
      ],
      [
        'a scope without description',
        { ...valid, identifier: 'https://x.example.com', scopes: [{ value: 'a' }] },
        400,
        'invalid_request',
      ],
      [
        'a lifetime under a minute',
        { ...valid, identifier: 'https://x.example.com', access_token_ttl: 59 },
        400,
        'invalid_request',
      ],
      [
        'a lifetime over a day',
        { ...valid, identifier: 'https://x.example.com', access_token_ttl: 86401 },
        400,
        'invalid_request',
      ],
      [
        'a fractional lifetime',
        { ...valid, identifier: 'https://x.example.com', access_token_ttl: 600.5 },
        400,
        'invalid_request',
      ],
      [
        'an unknown field',
        { ...valid, identifier: 'https://x.example.com', audience: 'x' },
        400,
        'invalid_request',
      ],
      ['a duplicate identifier', { ...valid, identifier: SHIPPING }, 409, 'conflict'],
    ];

    it.each(refusals)('refuses %s', async (_name, body, status, error) => {
      const before = await countApis();
      const res = await create(body);
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(error);
      expect(res.text).not.toMatch(/at .*\.js:\d+/);
      expect(await countApis()).toBe(before);
    });

    it('refuses the issuer itself as an identifier: its tokens are the admin API’s', async () => {
      const before = await countApis();
      const res = await create({ ...valid, identifier: t.baseUrl });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.error_description).toContain('issuer');
      expect(await countApis()).toBe(before);
    });

    it('answers 401 without an admin token, 403 with a token lacking admin', async () => {
      const unauthenticated = await t.http.json('POST', '/admin/apis', {
        identifier: 'https://y.example.com',
        name: 'Y',
      });
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect((await t.http.get('/admin/apis')).status).toBe(401);

      const plain = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        scope: 'notes:read',
      });
      const plainToken = (await token(t, { grant_type: 'client_credentials' }, basic(plain))).body
        .access_token!;
      const forbidden = await t.http.get('/admin/apis', { bearer: plainToken });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error).toBe('insufficient_scope');
      const [{ n }] = await t.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM registered_apis WHERE identifier = 'https://y.example.com'`,
      );
      expect(n).toBe('0');
    });
  });

  describe('client metadata resource_scopes and default_resource', () => {
    const READS = 'https://reads.example.com';
    const createClient = (body: unknown) =>
      t.http.json<ClientBody>('POST', '/admin/clients', body, admin);
    const countClients = async () =>
      Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM clients'))[0].n);

    beforeAll(async () => {
      await create({
        identifier: READS,
        name: 'Reads',
        scopes: [
          { value: 'read', description: 'Read things' },
          { value: 'write', description: 'Write things' },
        ],
      });
    });

    it('round-trips resource_scopes (normalised) and default_resource', async () => {
      const res = await createClient({
        grant_types: ['client_credentials'],
        resource_scopes: { [READS]: ' read  write ', [SHIPPING]: '' },
        default_resource: READS,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        resource_scopes: { [READS]: 'read write', [SHIPPING]: '' },
        default_resource: READS,
      });
      const shown = await t.http.get<ClientBody>(`/admin/clients/${res.body.client_id}`, admin);
      expect(shown.body).toMatchObject({
        resource_scopes: { [READS]: 'read write', [SHIPPING]: '' },
        default_resource: READS,
      });

      const changed = await t.http.json<ClientBody>(
        'PATCH',
        `/admin/clients/${res.body.client_id}`,
        { resource_scopes: { [READS]: 'read' }, default_resource: null },
        admin,
      );
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        resource_scopes: { [READS]: 'read' },
        default_resource: null,
      });
    });

    it('defaults to no APIs and the issuer', async () => {
      const res = await createClient({ grant_types: ['client_credentials'] });
      expect(res.body).toMatchObject({ resource_scopes: {}, default_resource: null });
    });

    const refusals: [string, Record<string, unknown>][] = [
      [
        'an API that is not registered',
        { resource_scopes: { 'https://nope.example.com': 'read' } },
      ],
      ['a scope the API does not define', { resource_scopes: { [READS]: 'read delete' } }],
      [
        'a default_resource not among resource_scopes',
        { resource_scopes: { [READS]: 'read' }, default_resource: SHIPPING },
      ],
      ['a default_resource without resource_scopes', { default_resource: READS }],
      ['a relative key', { resource_scopes: { '/reads': 'read' } }],
      ['a key with a fragment', { resource_scopes: { [`${READS}#x`]: 'read' } }],
      ['a malformed scope', { resource_scopes: { [READS]: 'read "write"' } }],
      ['a scope that is not a string', { resource_scopes: { [READS]: ['read'] } }],
      ['resource_scopes as a list', { resource_scopes: [READS] }],
      // It would read as Reads' `write` in a grant for Reads and the issuer.
      ['an own scope named like an API’s', { scope: `openid ${READS}#write` }],
    ];

    it.each(refusals)('refuses %s with invalid_client_metadata', async (_name, metadata) => {
      const before = await countClients();
      const res = await createClient({ grant_types: ['client_credentials'], ...metadata });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
      expect(await countClients()).toBe(before);
    });

    it('takes null to unset default_resource only; null for other metadata is refused', async () => {
      const client = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        scope: 'notes:read',
        resource_scopes: { [READS]: 'read' },
        default_resource: READS,
      });
      const path = `/admin/clients/${client.client_id}`;
      for (const field of [
        'resource_scopes',
        'token_exchange_impersonation',
        'client_name',
        'scope',
        'grant_types',
        'require_pkce',
      ]) {
        const before = await countClients();
        const created = await createClient({ grant_types: ['client_credentials'], [field]: null });
        expect(created.status).toBe(400);
        expect(created.body.error).toBe('invalid_client_metadata');
        expect(await countClients()).toBe(before);
        const updated = await t.http.json<ClientBody>('PATCH', path, { [field]: null }, admin);
        expect(updated.status).toBe(400);
        expect(updated.body.error).toBe('invalid_client_metadata');
      }
      const shown = await t.http.get<ClientBody>(path, admin);
      expect(shown.body).toMatchObject({
        scope: 'notes:read',
        resource_scopes: { [READS]: 'read' },
        default_resource: READS,
      });
      const unset = await t.http.json<ClientBody>('PATCH', path, { default_resource: null }, admin);
      expect(unset.status).toBe(200);
      expect(unset.body.default_resource).toBeNull();
    });

    it('refuses the same on update, leaving the client as it was', async () => {
      const client = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        resource_scopes: { [READS]: 'read' },
      });
      // Its resource_scopes already name READS, so only that refusal does not apply here.
      for (const [name, metadata] of refusals) {
        if (name === 'a default_resource without resource_scopes') continue;
        const res = await t.http.json<ClientBody>(
          'PATCH',
          `/admin/clients/${client.client_id}`,
          metadata,
          admin,
        );
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_client_metadata');
      }
      const shown = await t.http.get<ClientBody>(`/admin/clients/${client.client_id}`, admin);
      expect(shown.body).toMatchObject({
        resource_scopes: { [READS]: 'read' },
        default_resource: null,
      });
    });
  });
});
