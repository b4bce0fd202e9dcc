import { startTestApp, type TestApp } from '../support/test-app.js';

describe('operations endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET /health checks the database', async () => {
    const res = await t.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('GET /docs serves the OpenAPI UI and document', async () => {
    const ui = await t.http.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);
    const doc = await t.http.get<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: object };
    }>('/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of [
      '/oauth/token',
      '/admin/clients',
      '/admin/clients/{clientId}/secret',
      '/admin/users',
      '/health',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(doc.body.components.securitySchemes).toHaveProperty('bearer');
  });

  it('answers unknown routes with an RFC-shaped 404 and no internals', async () => {
    const res = await t.http.get('/definitely/not/here');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.text).not.toMatch(/node_modules|at \w+ \(|stack/);
  });

  it('refuses oversized headers', async () => {
    const res = await t.http.request('GET', '/health', {
      headers: { 'x-big': 'a'.repeat(20 * 1024) },
    });
    expect(res.status).toBe(431);
  });
});
