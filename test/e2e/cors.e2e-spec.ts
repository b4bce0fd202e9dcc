import type { Credentials } from '../support/http-client.js';
import { adminAuth, registerClient, type Registered } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ORIGIN = 'https://spa.example.com';

describe('CORS for browser-based clients', () => {
  let t: TestApp;
  let admin: Credentials;
  let spa: Registered;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    spa = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      allowed_cors_origins: [ORIGIN],
      scope: 'read',
    });
  });
  afterAll(() => t.close());

  const fetchWith = (path: string, init: RequestInit & { origin?: string } = {}) =>
    fetch(`${t.baseUrl}${path}`, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        ...(init.origin ? { origin: init.origin } : {}),
      },
    });

  it('answers a preflight for a registered origin', async () => {
    const res = await fetchWith('/oauth/token', {
      method: 'OPTIONS',
      origin: ORIGIN,
      headers: {
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it.each(['/oauth/token', '/oauth/revoke', '/oauth/introspect'])(
    'names the origin on %s, errors included',
    async (path) => {
      const ok = await fetchWith(path, {
        method: 'POST',
        origin: ORIGIN,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${spa.client_id}:${spa.client_secret!}`).toString('base64')}`,
        },
        body: path === '/oauth/token' ? 'grant_type=client_credentials' : 'token=x',
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      const failed = await fetchWith(path, {
        method: 'POST',
        origin: ORIGIN,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'x=1',
      });
      expect(failed.status).toBeGreaterThanOrEqual(400);
      expect(failed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    },
  );

  it.each([
    '/.well-known/jwks.json',
    '/.well-known/oauth-authorization-server',
    '/.well-known/openid-configuration',
    '/oauth/userinfo',
  ])('names the origin on GET %s', async (path) => {
    const res = await fetchWith(path, { origin: ORIGIN });
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('lets a browser client read the challenge and the DPoP nonce of an answer', async () => {
    const res = await fetchWith('/oauth/userinfo', { origin: ORIGIN });
    expect(res.status).toBe(401);
    const exposed = (res.headers.get('access-control-expose-headers') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase());
    expect(exposed).toEqual(expect.arrayContaining(['www-authenticate', 'dpop-nonce']));
  });

  it('lets a preflight ask for the DPoP header', async () => {
    const res = await fetchWith('/oauth/userinfo', {
      method: 'OPTIONS',
      origin: ORIGIN,
      headers: {
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization, dpop',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/\bDPoP\b/i);
  });

  it('gives nothing to an origin no client registered', async () => {
    const res = await fetchWith('/oauth/token', {
      method: 'OPTIONS',
      origin: 'https://evil.example.com',
      headers: { 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetchWith('/oauth/token', {
      method: 'POST',
      origin: 'https://evil.example.com',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never on the authorize endpoint or the pages', async () => {
    for (const path of [
      `/oauth/authorize?client_id=${spa.client_id}`,
      '/login',
      '/consent',
      '/account/consents',
    ]) {
      const res = await fetchWith(path, { origin: ORIGIN });
      expect([path, res.headers.get('access-control-allow-origin')]).toEqual([path, null]);
    }
  });

  it('refuses origins that are not https origins at registration', async () => {
    const bad = await t.http.json(
      'POST',
      '/admin/clients',
      {
        grant_types: ['client_credentials'],
        allowed_cors_origins: ['https://spa.example.com/path'],
      },
      admin,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error_description).toContain('allowed_cors_origins[0]');
    const plainHttp = await t.http.json(
      'POST',
      '/admin/clients',
      { grant_types: ['client_credentials'], allowed_cors_origins: ['http://spa.example.com'] },
      admin,
    );
    expect(plainHttp.status).toBe(400);
    expect(
      (await t.http.get(`/admin/clients/${spa.client_id}`, admin)).body.allowed_cors_origins,
    ).toEqual([ORIGIN]);
  });
});
