import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Credentials } from '../support/http-client.js';
import { adminAuth, basic, registerClient, token, type Registered } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type KeyView = {
  kid: string;
  alg: string;
  status: string;
  published: boolean;
  retired_at: string | null;
};

describe('signing key rotation', () => {
  let t: TestApp;
  let admin: Credentials;
  let app: Registered;

  const kids = async () =>
    (await t.http.get<{ keys: { kid: string }[] }>('/.well-known/jwks.json')).body.keys.map(
      (k) => k.kid,
    );
  const issue = async () =>
    (await token(t, { grant_type: 'client_credentials' }, basic(app))).body.access_token!;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    app = await registerClient(t, admin, { grant_types: ['client_credentials'], scope: 'read' });
  });
  afterAll(() => t.close());

  it('signs with the new key at once; tokens signed before keep verifying', async () => {
    const before = await issue();
    const oldKid = decodeProtectedHeader(before).kid!;

    expect((await t.http.request('POST', '/admin/keys/rotate')).status).toBe(401);
    const rotated = await t.http.request<KeyView>('POST', '/admin/keys/rotate', { auth: admin });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({
      status: 'active',
      alg: 'ES256',
      published: true,
      retired_at: null,
    });
    expect(rotated.body.kid).not.toBe(oldKid);

    const after = await issue();
    expect(decodeProtectedHeader(after).kid).toBe(rotated.body.kid);
    expect((await kids()).sort()).toEqual([oldKid, rotated.body.kid].sort());

    const jwks = createRemoteJWKSet(new URL(`${t.baseUrl}/.well-known/jwks.json`));
    for (const jwt of [before, after]) {
      await expect(
        jwtVerify(jwt, jwks, { issuer: t.baseUrl, audience: t.baseUrl }),
      ).resolves.toBeTruthy();
      expect(
        (await t.http.form<{ active: boolean }>('/oauth/introspect', { token: jwt }, basic(app)))
          .body.active,
      ).toBe(true);
    }
    // The admin API (guarded by the resource-server library) accepts tokens from both keys.
    const adminBefore = await t.http.clientToken(t.admin.id, t.admin.secret, 'admin');
    expect((await t.http.get('/admin/keys', { bearer: adminBefore })).status).toBe(200);

    const list = await t.http.get<{ items: KeyView[] }>('/admin/keys', admin);
    expect(list.body.items.map((k) => [k.kid, k.status, k.published])).toEqual([
      [rotated.body.kid, 'active', true],
      [oldKid, 'retired', true],
    ]);
    expect(list.body.items[1].retired_at).not.toBeNull();
    expect(JSON.stringify(list.body)).not.toMatch(/private|"d"/);

    const events = await t.db.query<{ details: { kid: string } }>(
      `SELECT details FROM audit_events WHERE type = 'key.rotated'`,
    );
    expect(events.map((e) => e.details.kid)).toEqual([rotated.body.kid]);
  });

  it('drops a retired key from the JWKS once its last token has expired', async () => {
    const old = await issue();
    const oldKid = decodeProtectedHeader(old).kid!;
    await t.http.request('POST', '/admin/keys/rotate', { auth: admin });
    expect(await kids()).toContain(oldKid);
    // As if ACCESS_TOKEN_TTL and the margin had passed since the rotation.
    await t.db.query(
      `UPDATE signing_keys SET retired_at = now() - interval '2 hours' WHERE kid = $1`,
      [oldKid],
    );
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the JWKS re-reads at most once a second
    expect(await kids()).not.toContain(oldKid);
    const list = await t.http.get<{ items: KeyView[] }>('/admin/keys', admin);
    expect(list.body.items.find((k) => k.kid === oldKid)).toMatchObject({
      status: 'retired',
      published: false,
    });
  });

  it('rotates from the command line (npm run keys:rotate)', async () => {
    const before = await kids();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.resolve('dist/src/keys/rotate-key-cli.js')],
      {
        env: { PATH: process.env.PATH ?? '', ...t.env, PORT: String(t.port) },
      },
    );
    const kid = /rotated: (\S+)/.exec(stdout)?.[1];
    expect(kid).toBeTruthy();
    expect(before).not.toContain(kid);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await kids()).toContain(kid);
    const [active] = await t.db.query<{ kid: string }>(
      `SELECT kid FROM signing_keys WHERE status = 'active'`,
    );
    expect(active.kid).toBe(kid);
  });
});
