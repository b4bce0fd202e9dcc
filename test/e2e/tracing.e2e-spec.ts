import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Credentials } from '../support/http-client.js';
import { startCozeSimulator } from '../support/coze-simulator.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { pollUntil } from '../support/poll.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const APP_ID = '1170000000007';
const KID = 'coze-trace-key';
const PASSWORD = 'trace-password-Zq8uV3nK';
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

/**
 * Loaded into the server with --import: writes every module specifier the server resolves
 * to a file, so a test can tell which packages the process loaded.
 */
const PROBE = `
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({
  resolve(specifier, context, next) {
    if (!specifier.startsWith('.') && !specifier.startsWith('file:'))
      appendFileSync(process.env.MODULE_PROBE_OUT, specifier + '\\n');
    return next(specifier, context);
  },
});
`;

async function moduleProbe() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-probe-'));
  const script = path.join(dir, 'probe.mjs');
  const out = path.join(dir, 'loaded.txt');
  await writeFile(script, PROBE);
  return {
    env: { NODE_OPTIONS: `--import=${pathToFileURL(script).href}`, MODULE_PROBE_OUT: out },
    loaded: async () => new Set((await readFile(out, 'utf8')).split('\n').filter(Boolean)),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

async function setUpCoze(
  t: TestApp,
  admin: Credentials,
  coze: Awaited<ReturnType<typeof startCozeSimulator>>,
) {
  const created = await t.http.json(
    'POST',
    '/admin/upstreams',
    {
      name: 'coze-traced',
      provider: 'coze',
      client_id: APP_ID,
      private_key: PRIVATE_PEM,
      kid: KID,
      token_endpoint: coze.tokenEndpoint,
      token_duration: 600,
    },
    admin,
  );
  expect(created.status).toBe(201);
  const caller = await registerClient(t, admin, {
    grant_types: ['client_credentials'],
    scope: 'upstream:coze',
  });
  return async () => {
    const bearer = (await token(t, { grant_type: 'client_credentials' }, basic(caller))).body
      .access_token!;
    const res = await t.http.request<{ access_token?: string }>(
      'POST',
      '/upstream/coze/coze-traced/token',
      { auth: { bearer } },
    );
    expect(res.status).toBe(200);
    return { bearer, brokered: res.body.access_token! };
  };
}

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let coze: Awaited<ReturnType<typeof startCozeSimulator>>;
  let probe: Awaited<ReturnType<typeof moduleProbe>>;
  let admin: Credentials;
  let app: Registered;
  let brokeredCall: Awaited<ReturnType<typeof setUpCoze>>;
  /** Every credential the tests handle; none may appear in an exported payload. */
  const secrets: string[] = [PASSWORD, PRIVATE_PEM.split('\n')[1]];

  const spanNamed = (name: string, where: (span: ReceivedSpan) => boolean = () => true) =>
    pollUntil(
      () => Promise.resolve(receiver.spans.find((span) => span.name === name && where(span))),
      (span) => span !== undefined,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  const childrenOf = (parent: ReceivedSpan) =>
    receiver.spans.filter(
      (span) => span.traceId === parent.traceId && span.parentSpanId === parent.spanId,
    );

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    coze = await startCozeSimulator({ appId: APP_ID, kid: KID, publicKey });
    probe = await moduleProbe();
    t = await startTestApp({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_SERVICE_NAME: 'portcullis-traced',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        UPSTREAM_TIMEOUT_MS: '2000',
        ...probe.env,
      },
    });
    secrets.push(t.admin.secret);
    admin = await adminAuth(t);
    secrets.push((admin as { bearer: string }).bearer);
    app = await registerClient(t, admin, {
      grant_types: ['password', 'refresh_token'],
      scope: 'read',
    });
    secrets.push(app.client_secret!);
    await createUser(t, admin, { username: 'traced-user', password: PASSWORD });
    brokeredCall = await setUpCoze(t, admin, coze);
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([receiver.close(), coze.close(), probe.remove()]);
  });

  it('exports a span per token request, named by route, with grant type, client id and its SQL statements as children', async () => {
    const issued = await token(
      t,
      { grant_type: 'password', username: 'traced-user', password: PASSWORD, scope: 'read' },
      basic(app),
    );
    expect(issued.status).toBe(200);
    const refreshed = await token(
      t,
      { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token! },
      basic(app),
    );
    expect(refreshed.status).toBe(200);
    secrets.push(
      issued.body.access_token!,
      issued.body.refresh_token!,
      refreshed.body.access_token!,
      refreshed.body.refresh_token!,
    );

    for (const grantType of ['password', 'refresh_token']) {
      const span = await spanNamed(
        'POST /oauth/token',
        (s) => s.attributes['oauth.grant_type'] === grantType,
      );
      expect(span).toBeDefined();
      expect(span!.kind).toBe(SPAN_KIND_SERVER);
      expect(span!.parentSpanId ?? '').toBe('');
      expect(span!.attributes).toMatchObject({
        'http.route': '/oauth/token',
        'http.request.method': 'POST',
        'http.response.status_code': 200,
        'oauth.client_id': app.client_id,
      });
      // The statements the grant ran, each a child of the request's span: text, never values.
      const statements = childrenOf(span!).filter((child) => child.name.startsWith('pg.query'));
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.kind).toBe(SPAN_KIND_CLIENT);
        expect(statement.attributes['db.system.name']).toBe('postgresql');
        expect(typeof statement.attributes['db.query.text']).toBe('string');
        expect(Object.keys(statement.attributes).some((key) => key.includes('parameter'))).toBe(
          false,
        );
      }
    }
    expect(receiver.services).toEqual(new Set(['portcullis-traced']));
  });

  it('propagates W3C trace context to upstream calls, under a client span of the request', async () => {
    const before = coze.state.traceparents.length;
    const { bearer, brokered } = await brokeredCall();
    secrets.push(bearer, brokered);
    expect(coze.state.traceparents.length).toBe(before + 1);
    const traceparent = coze.state.traceparents.at(-1);
    const [, traceId, parentId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent ?? '')!;

    const request = await spanNamed(
      'POST /upstream/coze/:connection/token',
      (span) => span.traceId === traceId,
    );
    expect(request).toBeDefined();
    const upstream = receiver.spans.find((span) => span.spanId === parentId);
    expect(upstream).toMatchObject({ traceId, kind: SPAN_KIND_CLIENT });
    expect(upstream!.attributes['url.full']).toBe(coze.tokenEndpoint);
    // The upstream call descends from the request's span (through the broker's own spans).
    let ancestor = upstream;
    while (ancestor && ancestor.spanId !== request!.spanId) {
      ancestor = receiver.spans.find((span) => span.spanId === ancestor!.parentSpanId);
    }
    expect(ancestor?.spanId).toBe(request!.spanId);
  });

  it('keeps query strings out of spans', async () => {
    const marker = 'QueryMarker7f3e9a';
    await t.http.get(`/admin/clients?cursor=${marker}&code=${marker}`, admin);
    const span = await spanNamed(
      'GET /admin/clients',
      (s) => s.attributes['url.path'] !== undefined,
    );
    expect(span!.attributes['url.path']).toBe('/admin/clients');
    expect(span!.attributes['url.query']).toBeUndefined();
    secrets.push(marker);
  });

  it('never exports a secret, password, token or key', async () => {
    // Everything buffered has gone out.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exported = receiver.payloads.join('\n');
    expect(exported.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(exported).not.toContain(secret);
    }
    expect(exported).not.toContain(t.env.KEY_ENCRYPTION_SECRET);
    expect(exported).not.toMatch(/\$argon2id/);
  });

  it('loads the SDK (the probe sees what it is there to see)', async () => {
    expect([...(await probe.loaded())]).toContain('@opentelemetry/sdk-trace-node');
  });
});

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT unset', () => {
  it('loads no SDK, exports nothing and sends no trace context upstream', async () => {
    const receiver = await startOtlpReceiver();
    const coze = await startCozeSimulator({ appId: APP_ID, kid: KID, publicKey });
    const probe = await moduleProbe();
    // The SDK's own variable for the trace endpoint is no switch: only the contract's is.
    const t = await startTestApp({
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`, ...probe.env },
    });
    try {
      const admin = await adminAuth(t);
      await (
        await setUpCoze(t, admin, coze)
      )();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(receiver.payloads).toEqual([]);
      expect(coze.state.traceparents).toEqual([undefined]);
      const loaded = [...(await probe.loaded())];
      expect(loaded).toContain('pg'); // the probe saw the server's packages
      expect(loaded.filter((name) => name.startsWith('@opentelemetry/sdk'))).toEqual([]);
      expect(loaded.filter((name) => name.startsWith('@opentelemetry/instrumentation'))).toEqual(
        [],
      );
    } finally {
      await t.close();
      await Promise.all([receiver.close(), coze.close(), probe.remove()]);
    }
  });
});
