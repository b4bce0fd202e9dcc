import type { Credentials } from '../support/http-client.js';
import { adminAuth, createUser, registerClient } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Line = { id: string; at: string; type: string; client_id: string | null };

describe('GET /admin/audit-events as NDJSON (export for archiving)', () => {
  let t: TestApp;
  let admin: Credentials;
  let clientSecret: string;
  const password = 'export-password-never-logged';

  /** The raw answer: the NDJSON is read as text, line by line. */
  const fetchExport = (query: string, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}/admin/audit-events${query}`, {
      headers: { authorization: `Bearer ${(admin as { bearer: string }).bearer}`, ...headers },
    });

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    const client = await registerClient(t, admin, {
      client_name: 'export',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'a',
    });
    clientSecret = client.client_secret!;
    await createUser(t, admin, { username: 'export-user', password });
    // More rows than one batch of the export (1000), spread over three days, in two months.
    await t.db.query(
      `INSERT INTO audit_events (at, type, client_id, details)
        SELECT timestamptz '2026-10-30 00:00:00+00' + (g % 3) * interval '1 day',
               'token.issued', 'seeded', jsonb_build_object('n', g)
          FROM generate_series(1, 2500) g`,
    );
  });
  afterAll(() => t.close());

  it('streams every matching event, oldest first, one JSON object per line, within since/until', async () => {
    const res = await fetchExport(
      '?format=ndjson&since=2026-10-31T00:00:00Z&until=2026-11-02T00:00:00Z&client_id=seeded',
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Line);
    // g % 3 = 1 on the 31st and 2 on the 1st: two thirds of 2500.
    expect(lines).toHaveLength(1667);
    const ids = lines.map((line) => BigInt(line.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
    for (const line of lines) {
      expect(line.type).toBe('token.issued');
      expect(line.at >= '2026-10-31T00:00:00.000Z' && line.at < '2026-11-02T00:00:00.000Z').toBe(
        true,
      );
    }
  });

  it('answers NDJSON to Accept: application/x-ndjson; never a secret in it', async () => {
    const res = await fetchExport('', { accept: 'application/x-ndjson' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    const types = new Set(
      text
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as Line).type),
    );
    expect(types).toEqual(new Set(['client.created', 'user.created', 'token.issued']));
    expect(text).not.toContain(clientSecret);
    expect(text).not.toContain(password);
    expect(text).not.toContain((admin as { bearer: string }).bearer);
  });

  it('stays JSON pages by default, and refuses an unknown format', async () => {
    const page = await t.http.get<{ items: unknown[] }>('/admin/audit-events?limit=2', admin);
    expect(page.headers.get('content-type')).toMatch(/^application\/json/);
    expect(page.body.items).toHaveLength(2);
    const bad = await t.http.get('/admin/audit-events?format=csv', admin);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request' });
    const anonymous = await fetch(`${t.baseUrl}/admin/audit-events?format=ndjson`);
    expect(anonymous.status).toBe(401);
  });
});
