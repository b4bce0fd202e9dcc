import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWTPayload } from 'jose';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { BearerError } from './bearer-error.js';
import { DpopBinding } from './dpop-binding.js';
import { accessTokenHash } from './dpop-proof.js';
import type { DpopReplayStore } from './dpop-replay.js';
import { IssuerKeys } from './issuer-keys.js';
import { IssuerMetadata } from './issuer-metadata.js';
import type { Principal } from './principal.js';
import type { DpopOptions, ResourceServerOptions } from './resource-server.options.js';
import { Scopes } from './scopes.decorator.js';
import { TokenIntrospector } from './token-introspector.js';
import { VerifiedTokens } from './verified-tokens.js';

const ISSUER = 'https://auth.example.com';
const API = 'https://api.example.com';
const URL_ = `${API}/notes`;
const now = () => Math.floor(Date.now() / 1000);

const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKey = generateKeyPairSync('ed25519');

class Notes {
  list() {}
  @Scopes('notes:write')
  write() {}
}

/** What the guard answered: true, or the status, body and headers of its refusal. */
interface Answer {
  status: number;
  body?: unknown;
  headers: Record<string, string>;
  user?: Principal;
}

describe('BearerAuthGuard with DPoP-bound tokens (RFC 9449 §7)', () => {
  let jkt: string;
  let seq = 0;

  const guardWith = (dpop: DpopOptions = {}) => {
    const options: ResourceServerOptions = {
      issuer: ISSUER,
      audience: API,
      jwks: async () => ({
        keys: [{ ...(await exportJWK(issuerKey.publicKey)), kid: 'k1', alg: 'ES256' }],
      }),
      realm: 'notes',
      dpop: { publicBaseUrl: API, ...dpop },
    };
    const metadata = new IssuerMetadata(options);
    return new BearerAuthGuard(
      new Reflector(),
      options,
      new TokenIntrospector(options, metadata),
      new AccessTokenVerifier(options, new IssuerKeys(options, metadata)),
      new VerifiedTokens(),
      new DpopBinding(options),
    );
  };

  const accessToken = (claims: JWTPayload = {}) =>
    new SignJWT({
      iss: ISSUER,
      aud: API,
      sub: 'user-1',
      client_id: 'app',
      scope: 'notes:read',
      jti: `at-${(seq += 1)}`,
      iat: now(),
      exp: now() + 60,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .sign(issuerKey.privateKey);

  const bound = () => accessToken({ cnf: { jkt } });

  const proof = async (
    token: string,
    claims: JWTPayload = {},
    key: { publicKey: KeyObject; privateKey: KeyObject } = clientKey,
  ) => {
    const alg = key === otherKey ? 'EdDSA' : 'ES256';
    return new SignJWT({
      htm: 'GET',
      htu: URL_,
      iat: now(),
      jti: `proof-${(seq += 1)}`,
      ath: accessTokenHash(token),
      ...claims,
    })
      .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: await exportJWK(key.publicKey) })
      .sign(key.privateKey);
  };

  const ask = async (
    guard: BearerAuthGuard,
    headers: Record<string, string>,
    handler: keyof Notes = 'list',
    request: { method?: string; url?: string } = {},
  ): Promise<Answer> => {
    const answered: Record<string, string> = {};
    const req = { method: 'GET', url: '/notes?page=2', headers, ...request } as {
      user?: Principal;
    };
    const context = {
      // The route's handler, as Nest hands it to the guard: only its metadata is read.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      getHandler: () => Notes.prototype[handler],
      getClass: () => Notes,
      switchToHttp: () => ({
        getRequest: () => req,
        getResponse: () => ({ header: (name: string, value: string) => (answered[name] = value) }),
      }),
    } as unknown as ExecutionContext;
    try {
      await guard.canActivate(context);
      return { status: 200, headers: answered, user: req.user };
    } catch (error) {
      if (!(error instanceof BearerError)) throw error;
      return { status: error.getStatus(), body: error.getResponse(), headers: answered };
    }
  };

  const dpopRequest = async (token: string, proofClaims: JWTPayload = {}) => ({
    authorization: `DPoP ${token}`,
    dpop: await proof(token, proofClaims),
  });

  beforeAll(async () => {
    jkt = await calculateJwkThumbprint(await exportJWK(clientKey.publicKey));
  });

  it('accepts a bound token under DPoP with a proof of its key, and names the key', async () => {
    const answer = await ask(guardWith(), await dpopRequest(await bound()));
    expect(answer.status).toBe(200);
    expect(answer.user?.jkt).toBe(jkt);
    expect(answer.headers['DPoP-Nonce']).toBeUndefined();
  });

  it('still accepts an unbound token as Bearer, with the Bearer challenge on refusals', async () => {
    const guard = guardWith();
    const token = await accessToken();
    expect((await ask(guard, { authorization: `Bearer ${token}` })).status).toBe(200);
    const refused = await ask(guard, { authorization: `Bearer ${token}` }, 'write');
    expect(refused.status).toBe(403);
    expect(refused.headers['WWW-Authenticate']).toMatch(/^Bearer realm="notes"/);
  });

  it('refuses a bound token presented as Bearer (a stolen token), under the DPoP scheme', async () => {
    const token = await bound();
    const answer = await ask(guardWith(), {
      authorization: `Bearer ${token}`,
      dpop: await proof(token),
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: 'invalid_token' });
    expect(answer.headers['WWW-Authenticate']).toMatch(
      /^DPoP realm="notes", error="invalid_token", error_description="the access token is DPoP-bound[^"]*", algs="ES256 RS256 PS256 EdDSA"$/,
    );
  });

  it('refuses an unbound token under the DPoP scheme', async () => {
    const token = await accessToken();
    const answer = await ask(guardWith(), await dpopRequest(token));
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: 'invalid_token' });
    expect(answer.headers['WWW-Authenticate']).toMatch(/^DPoP /);
  });

  it('refuses a token bound by a confirmation method it cannot check', async () => {
    const token = await accessToken({ cnf: { 'x5t#S256': 'abc' } });
    for (const authorization of [`Bearer ${token}`, `DPoP ${token}`]) {
      const answer = await ask(guardWith(), { authorization, dpop: await proof(token) });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: 'invalid_token' });
    }
  });

  const refusals: [string, (token: string) => Promise<Record<string, string>>, string, RegExp][] = [
    [
      'no proof',
      (t) => Promise.resolve({ authorization: `DPoP ${t}` }),
      'invalid_dpop_proof',
      /DPoP header/,
    ],
    [
      'two DPoP headers (joined by Node)',
      async (t) => ({ authorization: `DPoP ${t}`, dpop: `${await proof(t)}, ${await proof(t)}` }),
      'invalid_dpop_proof',
      /single compact JWS/,
    ],
    [
      'a proof for another method',
      (t) => dpopRequest(t, { htm: 'POST' }),
      'invalid_dpop_proof',
      /htm/,
    ],
    [
      'a proof for another URL',
      (t) => dpopRequest(t, { htu: `${API}/other` }),
      'invalid_dpop_proof',
      /htu/,
    ],
    [
      'a proof for another host',
      (t) => dpopRequest(t, { htu: 'https://evil.example.com/notes' }),
      'invalid_dpop_proof',
      /htu/,
    ],
    [
      'a proof for another token',
      async (t) => ({ authorization: `DPoP ${t}`, dpop: await proof(await bound()) }),
      'invalid_dpop_proof',
      /ath/,
    ],
    ['a proof without ath', (t) => dpopRequest(t, { ath: undefined }), 'invalid_dpop_proof', /ath/],
    ['an old proof', (t) => dpopRequest(t, { iat: now() - 120 }), 'invalid_dpop_proof', /too old/],
    [
      'a proof by another key than the token is bound to',
      async (t) => ({ authorization: `DPoP ${t}`, dpop: await proof(t, {}, otherKey) }),
      'invalid_token',
      /^Invalid DPoP key binding$/,
    ],
    [
      'a proof with a private key in its jwk',
      async (t) => ({
        authorization: `DPoP ${t}`,
        dpop: await new SignJWT({
          htm: 'GET',
          htu: URL_,
          iat: now(),
          jti: 'p',
          ath: accessTokenHash(t),
        })
          .setProtectedHeader({
            alg: 'ES256',
            typ: 'dpop+jwt',
            jwk: await exportJWK(clientKey.privateKey),
          })
          .sign(clientKey.privateKey),
      }),
      'invalid_dpop_proof',
      /public key/,
    ],
  ];

  it.each(refusals)('refuses %s with 401 and a DPoP challenge', async (_, headers, error, text) => {
    const token = await bound();
    const answer = await ask(guardWith(), await headers(token));
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error });
    expect((answer.body as { error_description: string }).error_description).toMatch(text);
    expect(answer.headers['WWW-Authenticate']).toMatch(
      new RegExp(
        `^DPoP realm="notes", error="${error}", error_description="[^"]*", algs="ES256 RS256 PS256 EdDSA"$`,
      ),
    );
  });

  it('takes each proof once (the in-memory cache by default)', async () => {
    const guard = guardWith();
    const headers = await dpopRequest(await bound());
    expect((await ask(guard, headers)).status).toBe(200);
    const replayed = await ask(guard, headers);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toMatchObject({
      error: 'invalid_dpop_proof',
      error_description: 'the DPoP proof has already been used',
    });
  });

  it('records proofs in a plugged store until they would be too old anyway', async () => {
    const used: [string, string, number][] = [];
    const store: DpopReplayStore = {
      use: (jti, key, expiresAt) => {
        used.push([jti, key, expiresAt]);
        return Promise.resolve(used.filter(([seen]) => seen === jti).length === 1);
      },
    };
    const guard = guardWith({ replayStore: store, maxAgeSeconds: 30, clockSkewSeconds: 5 });
    const headers = await dpopRequest(await bound());
    const iat = now();
    expect((await ask(guard, headers)).status).toBe(200);
    expect(used).toHaveLength(1);
    expect(used[0][1]).toBe(jkt);
    expect(used[0][2]).toBeGreaterThanOrEqual(iat - 1 + 35);
    expect(used[0][2]).toBeLessThanOrEqual(iat + 1 + 35);
    expect((await ask(guard, headers)).status).toBe(401);
  });

  it('refuses with 503 when the store cannot say (fail closed), and when the cache is full', async () => {
    const failing: DpopReplayStore = { use: () => Promise.reject(new Error('down')) };
    const down = await ask(guardWith({ replayStore: failing }), await dpopRequest(await bound()));
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ error: 'temporarily_unavailable' });

    const tiny = guardWith({ replayCacheEntries: 1 });
    expect((await ask(tiny, await dpopRequest(await bound()))).status).toBe(200);
    expect((await ask(tiny, await dpopRequest(await bound()))).status).toBe(503);
  });

  it('asks for the server nonce when nonces are on, and hands out the current one', async () => {
    let current = 'n-1';
    const guard = guardWith({
      nonce: { current: () => current, check: (nonce) => nonce === current },
    });
    const token = await bound();
    const missing = await ask(guard, await dpopRequest(token));
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: 'use_dpop_nonce' });
    expect(missing.headers['WWW-Authenticate']).toMatch(
      /^DPoP realm="notes", error="use_dpop_nonce"/,
    );
    expect(missing.headers['DPoP-Nonce']).toBe('n-1');

    const ok = await ask(guard, await dpopRequest(token, { nonce: 'n-1' }));
    expect(ok.status).toBe(200);
    expect(ok.headers['DPoP-Nonce']).toBe('n-1');

    current = 'n-2';
    const stale = await ask(guard, await dpopRequest(token, { nonce: 'n-1' }));
    expect(stale.body).toMatchObject({ error: 'use_dpop_nonce' });
    expect(stale.headers['DPoP-Nonce']).toBe('n-2');
  });

  it('checks the proof before asking for a nonce, so a bad proof is not worth a retry', async () => {
    const guard = guardWith({ nonce: { current: () => 'n', check: () => true } });
    const answer = await ask(guard, await dpopRequest(await bound(), { htm: 'POST' }));
    expect(answer.body).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it('with dpop.required, refuses Bearer and unbound tokens, under the DPoP scheme', async () => {
    const guard = guardWith({ required: true });
    const unbound = await ask(guard, { authorization: `Bearer ${await accessToken()}` });
    expect(unbound.status).toBe(401);
    expect(unbound.body).toMatchObject({
      error: 'invalid_token',
      error_description: 'this resource accepts DPoP-bound access tokens only',
    });
    expect(unbound.headers['WWW-Authenticate']).toMatch(
      /^DPoP realm="notes", error="invalid_token"/,
    );
    const anonymous = await ask(guard, {});
    expect(anonymous.headers['WWW-Authenticate']).toMatch(/^DPoP .*algs="/);
    expect((await ask(guard, await dpopRequest(await bound()))).status).toBe(200);
  });

  it('challenges a bound token lacking a scope under DPoP, with the scope', async () => {
    const answer = await ask(guardWith(), await dpopRequest(await bound()), 'write');
    expect(answer.status).toBe(403);
    expect(answer.headers['WWW-Authenticate']).toMatch(
      /^DPoP realm="notes", error="insufficient_scope", error_description="[^"]+", scope="notes:write", algs="/,
    );
  });

  it("without a public base URL, takes the URL from the request's protocol and host", async () => {
    const guard = guardWith({ publicBaseUrl: undefined });
    const token = await bound();
    const answer = await ask(guard, await dpopRequest(token), 'list', {
      url: '/notes',
      ...({ protocol: 'https', host: 'api.example.com' } as object),
    });
    expect(answer.status).toBe(200);
    const wrongHost = await ask(guard, await dpopRequest(token), 'list', {
      ...({ protocol: 'https', host: 'other.example.com' } as object),
    });
    expect(wrongHost.body).toMatchObject({ error: 'invalid_dpop_proof' });
  });
});
