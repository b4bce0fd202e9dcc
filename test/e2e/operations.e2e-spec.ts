import pg from 'pg';
import { SWEEP_BATCH } from '../../src/database/expired-rows.sweeper.js';
import { pollUntil } from '../support/poll.js';
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
      '/oauth/par',
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

  it('GET /metrics counts requests by route pattern and reports process figures', async () => {
    const sample = async (series: string) => {
      const line = (await t.http.get('/metrics')).text
        .split('\n')
        .find((l) => l.startsWith(`${series} `));
      return line ? Number(line.slice(series.length + 1)) : 0;
    };
    const byId = 'http_requests_total{method="GET",route="/admin/clients/:clientId",status="401"}';
    const unmatched = 'http_requests_total{method="GET",route="unmatched",status="404"}';
    const before = { byId: await sample(byId), unmatched: await sample(unmatched) };
    await t.http.get('/admin/clients/some-id-1');
    await t.http.get('/admin/clients/some-id-2');
    await t.http.get('/no/such/page/12345');
    // One series for both concrete ids: the route pattern, never the URL.
    expect(await sample(byId)).toBe(before.byId + 2);
    expect(await sample(unmatched)).toBe(before.unmatched + 1);

    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).not.toContain('some-id-1');
    expect(res.text).not.toContain('12345');
    expect(res.text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",route="\/health"/);
    // Cumulative buckets, the last +Inf equal to the count.
    const health = (series: string) =>
      Number(new RegExp(`^${series} (\\d+)`, 'm').exec(res.text)?.[1] ?? NaN);
    const count = health('http_request_duration_seconds_count\\{route="/health"\\}');
    expect(count).toBeGreaterThanOrEqual(1);
    expect(health('http_request_duration_seconds_bucket\\{le="\\+Inf",route="/health"\\}')).toBe(
      count,
    );
    for (const figure of [
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_active_resources_total',
      'process_open_fds',
      'nodejs_eventloop_lag_seconds{quantile="0.99"}',
      'process_cpu_seconds_total',
    ]) {
      expect(res.text).toContain(`\n${figure} `);
    }
  });

  it('refuses oversized headers', async () => {
    const res = await t.http.request('GET', '/health', {
      headers: { 'x-big': 'a'.repeat(20 * 1024) },
    });
    expect(res.status).toBe(431);
  });
});

describe('housekeeping', () => {
  it('deletes expired jtis, revocation entries, refresh tokens and idle login counters at boot, at most SWEEP_BATCH per table per run', async () => {
    const first = await startTestApp();
    await first.close({ keepData: true });
    const db = new pg.Client({ connectionString: first.database.url });
    await db.connect();
    const client = (await db.query<{ client_id: string }>('SELECT client_id FROM clients LIMIT 1'))
      .rows[0].client_id;
    // More expired rows than one run deletes: the run is bounded, the rest waits for the next.
    await db.query(
      `INSERT INTO used_assertions SELECT $1, 'old-' || n, now() - interval '1 minute' FROM generate_series(1, $2) AS n`,
      [client, SWEEP_BATCH + 5],
    );
    await db.query(`INSERT INTO used_assertions VALUES ($1, 'live', now() + interval '1 hour')`, [
      client,
    ]);
    await db.query(
      `INSERT INTO revoked_access_tokens VALUES ('old', now() - interval '1 minute'), ('live', now() + interval '1 hour')`,
    );
    await db.query(
      `INSERT INTO login_throttles VALUES ('ip:old', 3, now() - interval '2 days', NULL), ('ip:live', 3, now(), NULL)`,
    );
    const family = (
      await db.query<{ id: string }>(
        `INSERT INTO refresh_token_families (client_id, scope, expires_at) VALUES ($1, '', now() - interval '1 minute') RETURNING id`,
        [client],
      )
    ).rows[0].id;
    await db.query(
      `INSERT INTO refresh_tokens (digest, family_id, expires_at) VALUES ('\\x01', $1, now() + interval '1 hour')`,
      [family],
    );

    const second = await startTestApp({
      database: first.database,
      dataDir: first.dataDir,
      port: first.port,
    });
    try {
      const rows = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
      expect(
        await rows(`SELECT count(*)::int AS n FROM used_assertions WHERE jti LIKE 'old-%'`),
      ).toEqual([{ n: 5 }]);
      expect(await rows(`SELECT jti FROM used_assertions WHERE jti NOT LIKE 'old-%'`)).toEqual([
        { jti: 'live' },
      ]);
      expect(await rows('SELECT jti FROM revoked_access_tokens')).toEqual([{ jti: 'live' }]);
      expect(await rows('SELECT key FROM login_throttles')).toEqual([{ key: 'ip:live' }]);
      expect(await rows('SELECT id FROM refresh_token_families')).toEqual([]);
      expect(await rows('SELECT family_id FROM refresh_tokens')).toEqual([]);
      // A backlog brings the next bounded run forward (ten seconds instead of ten minutes).
      const left = await pollUntil(
        () => rows(`SELECT jti FROM used_assertions WHERE jti LIKE 'old-%'`),
        (found) => found.length === 0,
        { timeoutMs: 20_000, intervalMs: 500 },
      );
      expect(left).toEqual([]);
      expect(await rows(`SELECT jti FROM used_assertions`)).toEqual([{ jti: 'live' }]);
    } finally {
      await db.end();
      await second.close();
    }
  });
});

describe('request log', () => {
  type Line = { level: number; msg: string; url?: string; statusCode?: number };
  const requestLines = (t: TestApp) =>
    t.server
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Line)
      .filter((line) => line.msg === 'request completed');

  async function exercise(logLevel: string): Promise<{ lines: Line[]; secret: string }> {
    const t = await startTestApp({ env: { LOG_LEVEL: logLevel } });
    try {
      const ok = await t.http.form(
        '/oauth/token',
        { grant_type: 'client_credentials', scope: 'admin' },
        { basic: [t.admin.id, t.admin.secret] },
      );
      expect(ok.status).toBe(200);
      const refused = await t.http.form(
        '/oauth/token?code=query-secret',
        { grant_type: 'client_credentials' },
        { basic: [t.admin.id, 'wrong'] },
      );
      expect(refused.status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the lines flush
      return { lines: requestLines(t), secret: t.admin.secret };
    } finally {
      await t.close();
    }
  }

  it('at info: refusals at warn with secrets redacted, successes not logged', async () => {
    const { lines, secret } = await exercise('info');
    expect(lines.map((line) => [line.level, line.statusCode])).toEqual([[40, 401]]);
    expect(lines[0].url).toBe('/oauth/token?code=[redacted]');
    expect(JSON.stringify(lines)).not.toContain(secret);
  });

  it('at debug: successes too', async () => {
    const { lines } = await exercise('debug');
    expect(lines.map((line) => [line.level, line.statusCode])).toEqual(
      expect.arrayContaining([
        [20, 200],
        [40, 401],
      ]),
    );
  });
});
