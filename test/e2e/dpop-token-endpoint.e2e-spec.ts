import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, createRemoteJWKSet, exportJWK, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { BrowserAgent, hiddenField } from '../support/browser-agent.js';
import { DpopKey } from '../support/dpop.js';
import type { Credentials, HttpResponse } from '../support/http-client.js';
import {
  adminAuth,
  assertion,
  basic,
  claimsOf,
  createUser,
  JWT_BEARER,
  registerClient,
  type Registered,
  type TokenBody,
} from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

/*
 * DPoP (RFC 9449) at the token endpoint as a client sees it, driven by a standard client
 * library (oauth4webapi's DPoP handle): which tokens get bound and to what, refresh of bound
 * grants, dpop_jkt at the authorization endpoint, introspection and revocation of bound
 * tokens, and the server nonce. The attacks are in test/security/dpop-proofs.e2e-spec.ts.
 */

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'http://127.0.0.1/cb';
const PAYMENTS = 'https://payments.example.com';
// The test server speaks plain http on loopback; a real deployment would not need this.
const insecure = { [oauth.allowInsecureRequests]: true } as const;

type Introspection = Record<string, unknown> & { active: boolean };

/** A key pair for oauth4webapi's DPoP handle, and its RFC 7638 thumbprint. */
async function dpopKeyPair(): Promise<{ keyPair: oauth.CryptoKeyPair; jkt: string }> {
  const keyPair = await oauth.generateKeyPair('ES256', { extractable: true });
  return { keyPair, jkt: await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)) };
}

describe('DPoP at the token endpoint (RFC 9449)', () => {
  let t: TestApp;
  let admin: Credentials;
  let as: oauth.AuthorizationServer;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  let machine: Registered;
  let app: Registered;
  let spa: Registered;
  let strict: Registered;

  const tokenEndpoint = () => `${t.baseUrl}/oauth/token`;
  const introspect = async (value: string) =>
    (await t.http.form<Introspection>('/oauth/introspect', { token: value }, basic(machine))).body;
  /** A token request with a hand-made proof (or none). */
  const tokenRequest = (
    params: Record<string, string>,
    auth: Credentials,
    proof?: string,
  ): Promise<HttpResponse<TokenBody>> =>
    t.http.request<TokenBody>('POST', '/oauth/token', {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(proof ? { dpop: proof } : {}),
      },
      body: new URLSearchParams(params).toString(),
      auth,
    });
  const issuedCount = async (clientId: string) =>
    Number(
      (
        await t.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM issued_access_tokens WHERE client_id = $1',
          [clientId],
        )
      )[0].n,
    );
  const consumedAt = async (refreshToken: string) =>
    (
      await t.db.query<{ consumed_at: Date | null }>(
        'SELECT consumed_at FROM refresh_tokens WHERE digest = $1',
        [createHash('sha256').update(refreshToken).digest()],
      )
    )[0]?.consumed_at;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    jwks = createRemoteJWKSet(new URL(`${t.baseUrl}/.well-known/jwks.json`));
    const issuer = new URL(t.baseUrl);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const api = await t.http.json(
      'POST',
      '/admin/apis',
      {
        identifier: PAYMENTS,
        name: 'Payments',
        scopes: [{ value: 'pay', description: 'Make payments' }],
        dpop_bound_access_tokens: true,
      },
      admin,
    );
    expect(api.status).toBe(201);
    machine = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'introspect read',
      resource_scopes: { [PAYMENTS]: 'pay' },
    });
    app = await registerClient(t, admin, {
      grant_types: ['password', 'refresh_token'],
      scope: 'read',
    });
    spa = await registerClient(t, admin, {
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      scope: 'read',
    });
    strict = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'read',
      dpop_bound_access_tokens: true,
    });
    await createUser(t, admin, { username: 'dora', password: PASSWORD });
  });
  afterAll(() => t.close());

  it('advertises the proof algorithms in both discovery documents', async () => {
    expect(as.dpop_signing_alg_values_supported).toEqual(['ES256', 'RS256', 'PS256', 'EdDSA']);
    const oidc = await t.http.get<Record<string, unknown>>('/.well-known/openid-configuration');
    expect(oidc.body.dpop_signing_alg_values_supported).toEqual([
      'ES256',
      'RS256',
      'PS256',
      'EdDSA',
    ]);
  });

  describe('client_credentials', () => {
    it('binds the access token to the proof key: cnf.jkt, token_type DPoP, in the audit trail too', async () => {
      const { keyPair, jkt } = await dpopKeyPair();
      const client: oauth.Client = { client_id: machine.client_id };
      const DPoP = oauth.DPoP(client, keyPair);
      expect(await DPoP.calculateThumbprint()).toBe(jkt);
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(machine.client_secret!),
        { scope: 'read' },
        { DPoP, ...insecure },
      );
      expect(response.headers.get('dpop-nonce')).toBeNull();
      const result = await oauth.processClientCredentialsResponse(as, client, response);
      expect(result.token_type).toBe('dpop');
      const { payload } = await jwtVerify(result.access_token, jwks, {
        issuer: t.baseUrl,
        audience: t.baseUrl,
        typ: 'at+jwt',
      });
      expect(payload.cnf).toEqual({ jkt });
      const [event] = await t.db.query<{ details: Record<string, unknown> }>(
        `SELECT details FROM audit_events WHERE type = 'token.issued' AND details->>'jti' = $1`,
        [payload.jti],
      );
      expect(event.details.dpop_jkt).toBe(jkt);
    });

    it('without a proof issues a Bearer token, as before, with no cnf', async () => {
      const res = await tokenRequest({ grant_type: 'client_credentials' }, basic(machine));
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('Bearer');
      expect(claimsOf(res.body.access_token!).cnf).toBeUndefined();
    });

    it('a client registered with dpop_bound_access_tokens is refused without a proof, and nothing is issued', async () => {
      const shown = await t.http.get<Record<string, unknown>>(
        `/admin/clients/${strict.client_id}`,
        admin,
      );
      expect(shown.body.dpop_bound_access_tokens).toBe(true);
      const res = await tokenRequest({ grant_type: 'client_credentials' }, basic(strict));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description:
          'this client is registered with dpop_bound_access_tokens: send a DPoP proof',
      });
      expect(await issuedCount(strict.client_id)).toBe(0);

      const key = await DpopKey.generate();
      const bound = await tokenRequest(
        { grant_type: 'client_credentials' },
        basic(strict),
        await key.proof(tokenEndpoint()),
      );
      expect(bound.status).toBe(200);
      expect(bound.body.token_type).toBe('DPoP');
      expect(claimsOf(bound.body.access_token!).cnf).toEqual({ jkt: key.thumbprint });
    });

    it('an API that takes only DPoP-bound tokens gets none without a proof', async () => {
      const before = await issuedCount(machine.client_id);
      const res = await tokenRequest(
        { grant_type: 'client_credentials', resource: PAYMENTS },
        basic(machine),
      );
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description: `${PAYMENTS} accepts only DPoP-bound access tokens: send a DPoP proof`,
      });
      expect(await issuedCount(machine.client_id)).toBe(before);

      const key = await DpopKey.generate('EdDSA');
      const bound = await tokenRequest(
        { grant_type: 'client_credentials', resource: PAYMENTS },
        basic(machine),
        await key.proof(tokenEndpoint()),
      );
      expect(bound.status).toBe(200);
      expect(claimsOf(bound.body.access_token!)).toMatchObject({
        aud: PAYMENTS,
        scope: 'pay',
        cnf: { jkt: key.thumbprint },
      });
    });

    it.each(['RS256', 'PS256', 'EdDSA'])('accepts proofs signed with %s', async (alg) => {
      const key = await DpopKey.generate(alg);
      const res = await tokenRequest(
        { grant_type: 'client_credentials' },
        basic(machine),
        await key.proof(tokenEndpoint()),
      );
      expect(res.status).toBe(200);
      expect(claimsOf(res.body.access_token!).cnf).toEqual({ jkt: key.thumbprint });
    });
  });

  it('a code for an API that takes only DPoP-bound tokens is refused without a proof, unspent, and redeemed with one', async () => {
    const payer = await registerClient(t, admin, {
      grant_types: ['authorization_code'],
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      resource_scopes: { [PAYMENTS]: 'pay' },
    });
    const client: oauth.Client = { client_id: payer.client_id };
    const verifier = oauth.generateRandomCodeVerifier();
    const authorizationUrl = new URL(as.authorization_endpoint!);
    authorizationUrl.search = new URLSearchParams({
      client_id: payer.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      resource: PAYMENTS,
      scope: 'pay',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const code = (await userAuthorizes(authorizationUrl)).searchParams.get('code')!;
    const redeem = (proof?: string) =>
      tokenRequest(
        {
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
          client_id: client.client_id,
        },
        undefined,
        proof,
      );
    const unproven = await redeem();
    expect(unproven.status).toBe(400);
    expect(unproven.body).toEqual({
      error: 'invalid_request',
      error_description: `${PAYMENTS} accepts only DPoP-bound access tokens: send a DPoP proof`,
    });
    const [row] = await t.db.query<{ consumed_at: Date | null }>(
      'SELECT consumed_at FROM authorization_codes WHERE digest = $1',
      [createHash('sha256').update(code).digest()],
    );
    expect(row.consumed_at).toBeNull();

    const key = await DpopKey.generate();
    const bound = await redeem(await key.proof(tokenEndpoint()));
    expect(bound.status).toBe(200);
    expect(claimsOf(bound.body.access_token!)).toMatchObject({
      aud: PAYMENTS,
      cnf: { jkt: key.thumbprint },
    });
  });

  describe('the other grants bind too', () => {
    const NOTES = 'https://notes.example.com';
    const STORAGE = 'https://storage.example.com';
    const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

    beforeAll(async () => {
      for (const identifier of [NOTES, STORAGE]) {
        const api = await t.http.json(
          'POST',
          '/admin/apis',
          { identifier, name: identifier, scopes: [{ value: 'files', description: 'Files' }] },
          admin,
        );
        expect(api.status).toBe(201);
      }
    });

    it('jwt-bearer (RFC 7523): the assertion’s client gets a bound token', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
      const service = await registerClient(t, admin, {
        grant_types: [JWT_BEARER],
        token_endpoint_auth_method: 'private_key_jwt',
        scope: 'read',
        jwks: { keys: [jwk] },
      });
      const key = await DpopKey.generate();
      const res = await tokenRequest(
        {
          grant_type: JWT_BEARER,
          assertion: await assertion(
            { privateKey, kid: 'k1', alg: 'ES256' },
            service.client_id,
            t.baseUrl,
          ),
        },
        undefined,
        await key.proof(tokenEndpoint()),
      );
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('DPoP');
      expect(claimsOf(res.body.access_token!)).toMatchObject({
        client_id: service.client_id,
        cnf: { jkt: key.thumbprint },
      });
    });

    it('token exchange (RFC 8693): the exchanged token is bound to the exchanging service’s proof', async () => {
      const caller = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        resource_scopes: { [NOTES]: 'files' },
        default_resource: NOTES,
      });
      const notes = await registerClient(t, admin, {
        grant_types: ['client_credentials', EXCHANGE],
        resource_scopes: { [NOTES]: 'files', [STORAGE]: 'files' },
        default_resource: NOTES,
      });
      const subject = await tokenRequest({ grant_type: 'client_credentials' }, basic(caller));
      expect(subject.status).toBe(200);
      const key = await DpopKey.generate();
      const res = await tokenRequest(
        {
          grant_type: EXCHANGE,
          subject_token: subject.body.access_token!,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          resource: STORAGE,
        },
        basic(notes),
        await key.proof(tokenEndpoint()),
      );
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('DPoP');
      expect(claimsOf(res.body.access_token!)).toMatchObject({
        aud: STORAGE,
        act: { sub: notes.client_id },
        cnf: { jkt: key.thumbprint },
      });
    });
  });

  describe('introspection and revocation', () => {
    it('introspection shows cnf and token_type DPoP; a revoked bound token is inactive', async () => {
      const key = await DpopKey.generate();
      const res = await tokenRequest(
        { grant_type: 'client_credentials' },
        basic(machine),
        await key.proof(tokenEndpoint()),
      );
      const accessToken = res.body.access_token!;
      expect(await introspect(accessToken)).toMatchObject({
        active: true,
        token_type: 'DPoP',
        cnf: { jkt: key.thumbprint },
      });
      const bearer = await tokenRequest({ grant_type: 'client_credentials' }, basic(machine));
      const plain = await introspect(bearer.body.access_token!);
      expect(plain).toMatchObject({ active: true, token_type: 'Bearer' });
      expect(plain.cnf).toBeUndefined();

      const revoked = await t.http.form('/oauth/revoke', { token: accessToken }, basic(machine));
      expect(revoked.status).toBe(200);
      expect(await introspect(accessToken)).toEqual({ active: false });
    });
  });

  describe('refresh (RFC 9449 §5)', () => {
    const login = async (key: DpopKey) => {
      const res = await tokenRequest(
        { grant_type: 'password', username: 'dora', password: PASSWORD, scope: 'read' },
        basic(app),
        await key.proof(tokenEndpoint()),
      );
      expect(res.status).toBe(200);
      return res.body;
    };

    it('a confidential client’s bound grant refreshes only with a proof, by any key, and the new token is bound to it', async () => {
      const first = await DpopKey.generate();
      const issued = await login(first);
      expect(issued.token_type).toBe('DPoP');
      const [family] = await t.db.query<{ dpop_jkt: string | null; dpop_bound: boolean }>(
        `SELECT f.dpop_jkt, f.dpop_bound FROM refresh_token_families f
           JOIN refresh_tokens t ON t.family_id = f.id WHERE t.digest = $1`,
        [createHash('sha256').update(issued.refresh_token!).digest()],
      );
      // The refresh token of a confidential client is not bound; its access tokens are.
      expect(family).toEqual({ dpop_jkt: null, dpop_bound: true });

      const before = await issuedCount(app.client_id);
      const withoutProof = await tokenRequest(
        { grant_type: 'refresh_token', refresh_token: issued.refresh_token! },
        basic(app),
      );
      expect(withoutProof.status).toBe(400);
      expect(withoutProof.body).toEqual({
        error: 'invalid_request',
        error_description:
          'the access tokens of this grant are DPoP-bound: send a DPoP proof to refresh it',
      });
      expect(await consumedAt(issued.refresh_token!)).toBeNull();
      expect(await issuedCount(app.client_id)).toBe(before);

      const second = await DpopKey.generate();
      const client: oauth.Client = { client_id: app.client_id };
      const DPoP = oauth.DPoP(client, second.keyPair);
      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(
          as,
          client,
          oauth.ClientSecretBasic(app.client_secret!),
          issued.refresh_token!,
          { DPoP, ...insecure },
        ),
      );
      expect(refreshed.token_type).toBe('dpop');
      expect(claimsOf(refreshed.access_token).cnf).toEqual({ jkt: second.thumbprint });
    });

    it('a public client’s refresh token is bound to the key of the code exchange (with dpop_jkt), and only that key refreshes it', async () => {
      const { keyPair, jkt } = await dpopKeyPair();
      const client: oauth.Client = { client_id: spa.client_id };
      const DPoP = oauth.DPoP(client, keyPair);
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const authorizationUrl = new URL(as.authorization_endpoint!);
      authorizationUrl.search = new URLSearchParams({
        client_id: spa.client_id,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'read',
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        dpop_jkt: await DPoP.calculateThumbprint(),
      }).toString();
      const callback = await userAuthorizes(authorizationUrl);
      const params = oauth.validateAuthResponse(as, client, callback, state);
      const [code] = await t.db.query<{ dpop_jkt: string }>(
        'SELECT dpop_jkt FROM authorization_codes WHERE digest = $1',
        [createHash('sha256').update(params.get('code')!).digest()],
      );
      expect(code.dpop_jkt).toBe(jkt);

      const result = await oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.None(),
          params,
          REDIRECT,
          verifier,
          { DPoP, ...insecure },
        ),
      );
      expect(result.token_type).toBe('dpop');
      expect(claimsOf(result.access_token).cnf).toEqual({ jkt });
      const refreshToken = result.refresh_token!;

      // Another key, or none: refused, and the refresh token is left as it was.
      const thief = await DpopKey.generate();
      for (const proof of [await thief.proof(tokenEndpoint()), undefined]) {
        const res = await tokenRequest(
          { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: spa.client_id },
          undefined,
          proof,
        );
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_grant');
        expect(await consumedAt(refreshToken)).toBeNull();
      }

      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, {
          DPoP,
          ...insecure,
        }),
      );
      expect(claimsOf(refreshed.access_token).cnf).toEqual({ jkt });
      expect(await consumedAt(refreshToken)).not.toBeNull();
    });
  });

  /** What a person does in the browser: sign in and allow. Returns the callback URL. */
  async function userAuthorizes(authorizationUrl: URL): Promise<URL> {
    const agent = new BrowserAgent(t.baseUrl);
    const start = await agent.get(authorizationUrl.toString());
    const login = await agent.get(start.location!);
    const afterLogin = await agent.post('/login', {
      csrf_token: hiddenField(login.text, 'csrf_token'),
      request: hiddenField(login.text, 'request'),
      username: 'dora',
      password: PASSWORD,
    });
    const consent = await agent.get(afterLogin.location!);
    const allowed = await agent.post('/consent', {
      csrf_token: hiddenField(consent.text, 'csrf_token'),
      request: hiddenField(consent.text, 'request'),
      decision: 'allow',
    });
    return new URL(allowed.location!);
  }
});

describe('server nonces (DPOP_NONCE, RFC 9449 §8)', () => {
  // Instances of one deployment share issuer, admin credentials and key secret.
  const ISSUER = 'https://auth.example.test';
  const env = {
    DPOP_NONCE: 'token',
    ISSUER,
    ADMIN_CLIENT_SECRET: randomBytes(32).toString('base64url'),
  };
  let a: TestApp;
  let b: TestApp;
  let client: Registered;

  const tokenRequest = (t: TestApp, proof: string) =>
    t.http.request<TokenBody>('POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
      body: 'grant_type=client_credentials',
      auth: basic(client),
    });
  const issuedCount = async () =>
    Number(
      (
        await a.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM issued_access_tokens WHERE client_id = $1',
          [client.client_id],
        )
      )[0].n,
    );

  beforeAll(async () => {
    const database = await createTestDatabase();
    [a, b] = await Promise.all([startTestApp({ database, env }), startTestApp({ database, env })]);
    client = await registerClient(a, await adminAuth(a), {
      grant_types: ['client_credentials'],
      scope: 'read',
    });
  });
  afterAll(async () => {
    await b?.close({ keepData: true });
    await a?.close();
  });

  it('asks for a nonce with use_dpop_nonce and a DPoP-Nonce header; a proof with it is accepted, and the answer carries the next', async () => {
    const key = await DpopKey.generate();
    const htu = `${ISSUER}/oauth/token`;
    const before = await issuedCount();
    const missing = await tokenRequest(a, await key.proof(htu));
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: 'use_dpop_nonce',
      error_description: 'the DPoP proof must carry the server nonce',
    });
    const nonce = missing.headers.get('dpop-nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const invented = await tokenRequest(a, await key.proof(htu, { nonce: 'A'.repeat(22) }));
    expect(invented.status).toBe(400);
    expect(invented.body.error).toBe('use_dpop_nonce');
    expect(invented.headers.get('dpop-nonce')).toBe(nonce);
    expect(await issuedCount()).toBe(before);

    // The nonce one instance handed out is good at the other: nothing is shared but the secret.
    const accepted = await tokenRequest(b, await key.proof(htu, { nonce: nonce! }));
    expect(accepted.status).toBe(200);
    expect(accepted.body.token_type).toBe('DPoP');
    expect(accepted.headers.get('dpop-nonce')).toBe(nonce);
    expect(await issuedCount()).toBe(before + 1);
  });

  it('a proof used at one instance is refused at the other', async () => {
    const key = await DpopKey.generate();
    const nonce = (await tokenRequest(a, await key.proof(`${ISSUER}/oauth/token`))).headers.get(
      'dpop-nonce',
    )!;
    const proof = await key.proof(`${ISSUER}/oauth/token`, { nonce });
    expect((await tokenRequest(a, proof)).status).toBe(200);
    const before = await issuedCount();
    const replayed = await tokenRequest(b, proof);
    expect(replayed.status).toBe(400);
    expect(replayed.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'the DPoP proof was used before (jti)',
    });
    expect(await issuedCount()).toBe(before);
  });

  it('oauth4webapi retries with the nonce, as isDPoPNonceError tells it to', async () => {
    // The library talks to the issuer's URL; here instance a is reached directly, so it is
    // given a's address as the token endpoint and the proofs name the issuer's, as behind a
    // load balancer.
    const as: oauth.AuthorizationServer = {
      issuer: ISSUER,
      token_endpoint: `${a.baseUrl}/oauth/token`,
    };
    const { keyPair, jkt } = await dpopKeyPair();
    const oauthClient: oauth.Client = { client_id: client.client_id };
    const DPoP = oauth.DPoP(oauthClient, keyPair, {
      [oauth.modifyAssertion]: (_header, payload) => {
        payload.htu = `${ISSUER}/oauth/token`;
      },
    });
    const request = () =>
      oauth.clientCredentialsGrantRequest(
        as,
        oauthClient,
        oauth.ClientSecretBasic(client.client_secret!),
        { scope: 'read' },
        { DPoP, ...insecure },
      );
    let error: unknown;
    try {
      await oauth.processClientCredentialsResponse(as, oauthClient, await request());
    } catch (caught) {
      error = caught;
    }
    expect(oauth.isDPoPNonceError(error)).toBe(true);
    const result = await oauth.processClientCredentialsResponse(as, oauthClient, await request());
    expect(result.token_type).toBe('dpop');
    expect(claimsOf(result.access_token).cnf).toEqual({ jkt });
  });
});
