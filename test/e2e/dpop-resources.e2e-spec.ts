import { createHash } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { freePort } from '../../src/common/ports.js';
import { DpopKey } from '../support/dpop.js';
import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  claimsOf,
  createUser,
  registerClient,
  type Registered,
  type TokenBody,
} from '../support/flows.js';
import { startSibling, type ServerProcess } from '../support/server-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

/*
 * DPoP-bound access tokens (RFC 9449 §7) where they are used: Portcullis's own routes
 * (userinfo, the admin API), two instances on one database with DPOP_NONCE=all, and a sibling
 * service guarded by the package. The client is oauth4webapi's DPoP handle where it can be;
 * the attacks are hand-made proofs (test/support/dpop.ts).
 */

const PASSWORD = 'correct horse battery staple';
// The test servers speak plain http on loopback; a real deployment would not need this.
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A request with exactly these headers, and its answer. */
async function call(url: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
  const res = await fetch(url, { method, headers, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

describe('DPoP-bound tokens at the resources (RFC 9449 §7)', () => {
  let a: TestApp;
  let b: TestApp;
  let sibling: ServerProcess;
  let strictSibling: ServerProcess;
  let admin: Credentials;
  let as: oauth.AuthorizationServer;
  let app: Registered;
  let machine: Registered;
  let issuer: string;

  const userinfo = () => `${issuer}/oauth/userinfo`;
  /** The same route on instance B, which answers for the same issuer. */
  const onB = (url: string) => url.replace(issuer, b.baseUrl);

  /** A proof for a resource request, as a client makes one (`ath` of the token it sends). */
  const proof = (key: DpopKey, url: string, token: string, claims: Record<string, unknown> = {}) =>
    key.proof(url, { htm: 'GET', ath: ath(token), ...claims });
  const dpopHeaders = async (key: DpopKey, url: string, token: string, nonce?: string) => ({
    authorization: `DPoP ${token}`,
    dpop: await proof(key, url, token, nonce ? { nonce } : {}),
  });

  /** The nonce handed out now: with DPOP_NONCE=all, every refusal under DPoP carries one. */
  const currentNonce = async () => {
    const res = await call(userinfo(), { authorization: 'DPoP not-a-token' });
    expect(res.status).toBe(401);
    return res.headers.get('dpop-nonce') ?? undefined;
  };

  /** A user's access token bound to `key`, by the password grant, retried with the nonce. */
  const userToken = async (key: DpopKey): Promise<string> => {
    const request = async (nonce?: string) =>
      a.http.request<TokenBody>('POST', '/oauth/token', {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          dpop: await key.proof(`${issuer}/oauth/token`, nonce ? { nonce } : {}),
        },
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'dora',
          password: PASSWORD,
          scope: 'openid profile',
        }).toString(),
        auth: basic(app),
      });
    let res = await request();
    if (res.body.error === 'use_dpop_nonce') {
      res = await request(res.headers.get('dpop-nonce') ?? undefined);
    }
    if (res.status !== 200 || res.body.token_type !== 'DPoP') {
      throw new Error(`no bound token: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body.access_token!;
  };

  /** A client's bound token from oauth4webapi, which retries once with the server nonce. */
  const clientToken = async (
    client: Registered,
    scope: string,
    DPoP: oauth.DPoPHandle,
  ): Promise<string> => {
    const auth = oauth.ClientSecretBasic(client.client_secret!);
    const attempt = async () =>
      oauth.processClientCredentialsResponse(
        as,
        { client_id: client.client_id },
        await oauth.clientCredentialsGrantRequest(
          as,
          { client_id: client.client_id },
          auth,
          { scope },
          { DPoP, ...insecure },
        ),
      );
    try {
      return (await attempt()).access_token;
    } catch (error) {
      if (!oauth.isDPoPNonceError(error)) throw error;
      return (await attempt()).access_token;
    }
  };

  beforeAll(async () => {
    // Two instances of one deployment: one database, one issuer (A's URL), every route
    // asking for the server nonce.
    const database = await createTestDatabase();
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    const env = { ISSUER: issuer, DPOP_NONCE: 'all', ADMIN_CLIENT_SECRET: 'x'.repeat(43) };
    a = await startTestApp({ database, port, env });
    b = await startTestApp({ database, env });
    admin = await adminAuth(a);
    app = await registerClient(a, admin, {
      grant_types: ['password'],
      scope: 'openid profile',
    });
    machine = await registerClient(a, admin, {
      grant_types: ['client_credentials'],
      scope: 'notes:read admin',
    });
    await createUser(a, admin, { username: 'dora', password: PASSWORD });
    [sibling, strictSibling] = await Promise.all([
      startSibling({ ISSUER: issuer }),
      startSibling({ ISSUER: issuer, DPOP_REQUIRED: 'true' }),
    ]);
    const url = new URL(issuer);
    as = await oauth.processDiscoveryResponse(
      url,
      await oauth.discoveryRequest(url, { ...insecure }),
    );
  }, 120_000);
  afterAll(async () => {
    await sibling?.stop();
    await strictSibling?.stop();
    await b?.close({ keepData: true });
    await a?.close();
  });

  describe("Portcullis's own routes", () => {
    it('serves userinfo to a DPoP client, which retries once with the server nonce', async () => {
      const key = await DpopKey.generate();
      const token = await userToken(key);
      expect(claimsOf(token).cnf).toEqual({ jkt: key.thumbprint });
      // A fresh handle knows no nonce yet: the resource asks for one (401), it retries.
      const DPoP = oauth.DPoP({}, key.keyPair);
      const request = () =>
        oauth.protectedResourceRequest(token, 'GET', new URL(userinfo()), new Headers(), null, {
          DPoP,
          ...insecure,
        });
      const refusal = await request().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(oauth.isDPoPNonceError(refusal)).toBe(true);
      const res = await request();
      expect(res.status).toBe(200);
      expect(res.headers.get('dpop-nonce')).toBeTruthy();
      const claims = (await res.json()) as { sub: string; preferred_username: string };
      expect(claims.preferred_username).toBe('dora');
      expect(claims.sub).toBe(claimsOf(token).sub);

      // The library's userinfo call, with the nonce it now holds.
      const answer = await oauth.processUserInfoResponse(
        as,
        { client_id: app.client_id },
        claims.sub,
        await oauth.userInfoRequest(as, { client_id: app.client_id }, token, {
          DPoP,
          ...insecure,
        }),
      );
      expect(answer.preferred_username).toBe('dora');
    });

    it('answers a proof without the nonce with 401 use_dpop_nonce and the nonce to use', async () => {
      const key = await DpopKey.generate();
      const token = await userToken(key);
      const res = await call(userinfo(), await dpopHeaders(key, userinfo(), token));
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('use_dpop_nonce');
      expect(res.headers.get('www-authenticate')).toMatch(
        /^DPoP realm="portcullis", error="use_dpop_nonce", error_description="[^"]+", algs="ES256 RS256 PS256 EdDSA"$/,
      );
      const nonce = res.headers.get('dpop-nonce');
      expect(nonce).toBeTruthy();
      const retried = await call(userinfo(), await dpopHeaders(key, userinfo(), token, nonce!));
      expect(retried.status).toBe(200);
    });

    it('refuses a stolen bound token presented as Bearer, and the token still works with its key', async () => {
      const key = await DpopKey.generate();
      const token = await userToken(key);
      const stolen = await call(userinfo(), { authorization: `Bearer ${token}` });
      expect(stolen.status).toBe(401);
      expect(stolen.body.error).toBe('invalid_token');
      expect(stolen.headers.get('www-authenticate')).toMatch(
        /^DPoP realm="portcullis", error="invalid_token", error_description="the access token is DPoP-bound[^"]*", algs="/,
      );
      const nonce = await currentNonce();
      const owner = await call(userinfo(), await dpopHeaders(key, userinfo(), token, nonce));
      expect(owner.status).toBe(200);
    });

    it('takes a proof once across both instances (replay refused, on either)', async () => {
      const key = await DpopKey.generate();
      const token = await userToken(key);
      const headers = await dpopHeaders(key, userinfo(), token, await currentNonce());
      expect((await call(userinfo(), headers)).status).toBe(200);
      for (const url of [userinfo(), onB(userinfo())]) {
        const replayed = await call(url, headers);
        expect(replayed.status).toBe(401);
        expect(replayed.body).toEqual({
          error: 'invalid_dpop_proof',
          error_description: 'the DPoP proof has already been used',
        });
      }
      const jti = claimsOf(headers.dpop).jti as string;
      const rows = await a.db.query('SELECT 1 FROM used_dpop_proofs WHERE jkt = $1 AND jti = $2', [
        key.thumbprint,
        jti,
      ]);
      expect(rows).toHaveLength(1);
      // A fresh proof is accepted at B: the instances share the issuer and the nonces.
      const fresh = await dpopHeaders(key, userinfo(), token, await currentNonce());
      expect((await call(onB(userinfo()), fresh)).status).toBe(200);
    });

    it('refuses proofs for another URL or method, by another key, or with a private key', async () => {
      const key = await DpopKey.generate();
      const thief = await DpopKey.generate('EdDSA');
      const token = await userToken(key);
      const nonce = await currentNonce();
      const cases: [string, Record<string, string>, string, RegExp][] = [
        [
          'another URL',
          {
            authorization: `DPoP ${token}`,
            dpop: await proof(key, `${issuer}/admin/clients`, token, { nonce }),
          },
          'invalid_dpop_proof',
          /htu/,
        ],
        [
          'another method',
          {
            authorization: `DPoP ${token}`,
            dpop: await proof(key, userinfo(), token, { nonce, htm: 'POST' }),
          },
          'invalid_dpop_proof',
          /htm/,
        ],
        [
          'another key',
          {
            authorization: `DPoP ${token}`,
            dpop: await proof(thief, userinfo(), token, { nonce }),
          },
          'invalid_token',
          /^Invalid DPoP key binding$/,
        ],
        [
          'a private key in its jwk',
          {
            authorization: `DPoP ${token}`,
            dpop: await key.proof(
              userinfo(),
              { htm: 'GET', ath: ath(token), nonce },
              { jwk: await key.privateJwk() },
            ),
          },
          'invalid_dpop_proof',
          /public key/,
        ],
        [
          'another token',
          {
            authorization: `DPoP ${token}`,
            dpop: await proof(key, userinfo(), 'some-other-token', { nonce }),
          },
          'invalid_dpop_proof',
          /ath/,
        ],
      ];
      for (const [what, headers, error, description] of cases) {
        const res = await call(userinfo(), headers);
        expect([what, res.status, res.body.error]).toEqual([what, 401, error]);
        expect(res.body.error_description).toMatch(description);
        expect(res.headers.get('www-authenticate')).toMatch(/^DPoP realm="portcullis", error="/);
      }
      // None of them spent anything: the key's first good proof still goes through.
      const good = await call(userinfo(), await dpopHeaders(key, userinfo(), token, nonce));
      expect(good.status).toBe(200);
    });

    it('serves the admin API to a bound admin token, and challenges its refusals under DPoP', async () => {
      const key = await DpopKey.generate();
      const DPoP = oauth.DPoP({}, key.keyPair);
      const adminToken = await clientToken(machine, 'admin', DPoP);
      const readerToken = await clientToken(machine, 'notes:read', DPoP);
      const clients = `${issuer}/admin/clients`;
      const listed = await oauth.protectedResourceRequest(
        adminToken,
        'GET',
        new URL(clients),
        new Headers(),
        null,
        { DPoP, ...insecure },
      );
      expect(listed.status).toBe(200);
      // A scope refusal by a later guard: RFC 9449 §7.1's scheme, with algs.
      const forbidden = await call(
        clients,
        await dpopHeaders(key, clients, readerToken, await currentNonce()),
      );
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error).toBe('insufficient_scope');
      expect(forbidden.headers.get('www-authenticate')).toMatch(
        /^DPoP realm="portcullis", error="insufficient_scope", .*scope="admin", algs="ES256 RS256 PS256 EdDSA"$/,
      );
    });

    it('refuses an unbound token under the DPoP scheme, and still takes it as Bearer', async () => {
      const key = await DpopKey.generate();
      const unbound = (
        await a.http.form<TokenBody>(
          '/oauth/token',
          { grant_type: 'client_credentials', scope: 'admin' },
          basic(machine),
        )
      ).body.access_token!;
      expect(claimsOf(unbound).cnf).toBeUndefined();
      const clients = `${issuer}/admin/clients`;
      const res = await call(
        clients,
        await dpopHeaders(key, clients, unbound, await currentNonce()),
      );
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers.get('www-authenticate')).toMatch(/^DPoP /);
      expect((await call(clients, { authorization: `Bearer ${unbound}` })).status).toBe(200);
    });
  });

  describe('a sibling service guarded by the package', () => {
    it('serves a DPoP client (oauth4webapi) and refuses the same token as Bearer', async () => {
      const key = await DpopKey.generate('PS256');
      const DPoP = oauth.DPoP({}, key.keyPair);
      const token = await clientToken(machine, 'notes:read', DPoP);
      const notes = new URL(`${sibling.baseUrl}/notes`);
      const res = await oauth.protectedResourceRequest(token, 'GET', notes, new Headers(), null, {
        DPoP,
        ...insecure,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ items: [] });

      const stolen = await call(notes.href, { authorization: `Bearer ${token}` });
      expect(stolen.status).toBe(401);
      expect(stolen.body.error).toBe('invalid_token');
      expect(stolen.headers.get('www-authenticate')).toMatch(
        /^DPoP realm="portcullis", error="invalid_token", .*algs="ES256 RS256 PS256 EdDSA"$/,
      );
    });

    it('refuses a replayed proof, another URL or method, and another key', async () => {
      const key = await DpopKey.generate();
      const thief = await DpopKey.generate();
      const DPoP = oauth.DPoP({}, key.keyPair);
      const token = await clientToken(machine, 'notes:read', DPoP);
      const notes = `${sibling.baseUrl}/notes`;
      const headers = await dpopHeaders(key, notes, token);
      expect((await call(notes, headers)).status).toBe(200);
      const replayed = await call(notes, headers);
      expect([replayed.status, replayed.body.error]).toEqual([401, 'invalid_dpop_proof']);

      const otherUrl = {
        authorization: `DPoP ${token}`,
        dpop: await proof(key, `${sibling.baseUrl}/public`, token),
      };
      expect((await call(notes, otherUrl)).body.error).toBe('invalid_dpop_proof');
      const otherMethod = {
        authorization: `DPoP ${token}`,
        dpop: await proof(key, notes, token, { htm: 'POST' }),
      };
      expect((await call(notes, otherMethod)).body.error).toBe('invalid_dpop_proof');
      const otherKey = { authorization: `DPoP ${token}`, dpop: await proof(thief, notes, token) };
      const refused = await call(notes, otherKey);
      expect([refused.status, refused.body.error_description]).toEqual([
        401,
        'Invalid DPoP key binding',
      ]);
    });

    it('with DPOP_REQUIRED, takes bound tokens only, and says so under the DPoP scheme', async () => {
      const notes = `${strictSibling.baseUrl}/notes`;
      const unbound = (
        await a.http.form<TokenBody>(
          '/oauth/token',
          { grant_type: 'client_credentials', scope: 'notes:read' },
          basic(machine),
        )
      ).body.access_token!;
      const refused = await call(notes, { authorization: `Bearer ${unbound}` });
      expect(refused.status).toBe(401);
      expect(refused.body.error_description).toBe(
        'this resource accepts DPoP-bound access tokens only',
      );
      expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP realm="portcullis"/);
      const anonymous = await call(notes, {});
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^DPoP .*algs="/);
      // Its RFC 9728 metadata says so, and which proofs it takes.
      const metadata = await call(
        `${strictSibling.baseUrl}/.well-known/oauth-protected-resource`,
        {},
      );
      expect(metadata.body).toMatchObject({
        dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
        dpop_bound_access_tokens_required: true,
      });

      const key = await DpopKey.generate('EdDSA');
      const DPoP = oauth.DPoP({}, key.keyPair);
      const token = await clientToken(machine, 'notes:read', DPoP);
      expect((await call(notes, await dpopHeaders(key, notes, token))).status).toBe(200);
    });
  });
});
