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
type RotationView = KeyView & { rotated: KeyView[] };
const ALGS = ['ES256', 'EdDSA', 'PS256', 'RS256'];

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
    const oldKids = await kids();
    expect(oldKids).toContain(oldKid);

    expect((await t.http.request('POST', '/admin/keys/rotate')).status).toBe(401);
    const rotated = await t.http.request<RotationView>('POST', '/admin/keys/rotate', {
      auth: admin,
    });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({
      status: 'active',
      alg: 'ES256',
      published: true,
      retired_at: null,
    });
    expect(rotated.body.kid).not.toBe(oldKid);
    // Every algorithm's key is rotated: one new key each, none of them an old one.
    const newKids = rotated.body.rotated.map((k) => k.kid);
    expect(rotated.body.rotated.map((k) => [k.alg, k.status]).sort()).toEqual(
      ALGS.map((alg) => [alg, 'active']),
    );
    expect(newKids).toContain(rotated.body.kid);
    expect(newKids.filter((kid) => oldKids.includes(kid))).toEqual([]);

    const after = await issue();
    expect(decodeProtectedHeader(after).kid).toBe(rotated.body.kid);
    expect((await kids()).sort()).toEqual([...oldKids, ...newKids].sort());

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
    expect(list.body.items.map((k) => [k.kid, k.status, k.published]).sort()).toEqual(
      [
        ...newKids.map((kid) => [kid, 'active', true]),
        ...oldKids.map((kid) => [kid, 'retired', true]),
      ].sort(),
    );
    // Newest first: the keys this rotation made, then the ones it retired.
    expect(list.body.items.slice(0, 4).map((k) => k.status)).toEqual(Array(4).fill('active'));
    for (const key of list.body.items.slice(4)) expect(key.retired_at).not.toBeNull();
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
      `SELECT kid FROM signing_keys WHERE status = 'active' AND alg = 'ES256'`,
    );
    expect(active.kid).toBe(kid);
    // Every algorithm's key was rotated, SIGNING_ALG's named first.
    expect([...stdout.matchAll(/rotated: \S+ \((\w+)\)/g)].map((m) => m[1])).toEqual([
      'ES256',
      'RS256',
      'PS256',
      'EdDSA',
    ]);
  });

  it('rotates one algorithm when asked, and refuses one it has no key for', async () => {
    const activeKids = async () =>
      Object.fromEntries(
        (
          await t.db.query<{ alg: string; kid: string }>(
            `SELECT alg, kid FROM signing_keys WHERE status = 'active'`,
          )
        ).map((row) => [row.alg, row.kid]),
      );
    const before = await activeKids();
    const rotated = await t.http.json<RotationView>(
      'POST',
      '/admin/keys/rotate',
      { alg: 'RS256' },
      admin,
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ alg: 'RS256', status: 'active' });
    expect(rotated.body.rotated.map((k) => k.kid)).toEqual([rotated.body.kid]);
    expect(await activeKids()).toEqual({ ...before, RS256: rotated.body.kid });

    const refused = await t.http.json<{ error: string }>(
      'POST',
      '/admin/keys/rotate',
      { alg: 'HS256' },
      admin,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_request');
    expect(await activeKids()).toEqual({ ...before, RS256: rotated.body.kid });
  });
});
