import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import * as oauth from 'oauth4webapi';
import { BrowserAgent, hiddenField, type AgentResponse } from '../support/browser-agent.js';
import type { Credentials } from '../support/http-client.js';
import { HttpClient } from '../support/http-client.js';
import {
  adminAuth,
  assertion,
  basic,
  claimsOf,
  createUser,
  JWT_BEARER,
  registerClient,
  token,
  type Registered,
  type TokenBody,
} from '../support/flows.js';
import { pkcePair } from '../support/pkce.js';
import { pollUntil } from '../support/poll.js';
import { startSibling, type ServerProcess } from '../support/server-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

/*
 * Registered APIs and the `resource` parameter (RFC 8707) as a client sees them: which
 * audience, scope and lifetime each access token gets, what is refused with invalid_target,
 * and that a token for one API is good at that API only.
 */

const BILLING = 'https://billing.example.com';
const SHIPPING = 'https://shipping.example.com/v1';
const REPORTS = 'https://reports.example.com';
const UNKNOWN = 'https://unknown.example.com';
const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/callback';
// The test server speaks plain http on loopback; a real deployment would not need this.
const insecure = { [oauth.allowInsecureRequests]: true } as const;

type Introspected = { active: boolean; aud?: string; scope?: string; client_id?: string };

describe('registered APIs and resource indicators (RFC 8707)', () => {
  let t: TestApp;
  let admin: Credentials;
  let as: oauth.AuthorizationServer;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  let machine: Registered;

  /** Verifies an access token's signature against the server's JWKS and answers its claims. */
  async function verified(accessToken: string, audience: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(accessToken, jwks, {
      issuer: t.baseUrl,
      audience,
      typ: 'at+jwt',
    });
    return payload;
  }

  const registerApi = async (body: Record<string, unknown>) => {
    const res = await t.http.json<{ id: string }>('POST', '/admin/apis', body, admin);
    if (res.status !== 201) throw new Error(`API registration failed: ${res.status} ${res.text}`);
    return res.body;
  };
  const clientCredentials = (client: Registered, params: Record<string, string | string[]> = {}) =>
    token(t, { grant_type: 'client_credentials', ...params }, basic(client));
  const introspect = async (caller: Registered, value: string) =>
    (await t.http.form<Introspected>('/oauth/introspect', { token: value }, basic(caller))).body;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    const issuer = new URL(t.baseUrl);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    await registerApi({
      identifier: BILLING,
      name: 'Billing',
      scopes: [
        { value: 'read', description: 'Read your invoices' },
        { value: 'invoices:write', description: 'Create invoices for you' },
      ],
      access_token_ttl: 600,
    });
    await registerApi({
      identifier: SHIPPING,
      name: 'Shipping',
      scopes: [
        { value: 'read', description: 'See your parcels' },
        { value: 'track', description: 'Follow your parcels on the road' },
      ],
      access_token_ttl: 1200,
    });
    await registerApi({
      identifier: REPORTS,
      name: 'Reports',
      scopes: [{ value: 'read', description: 'Read your reports' }],
      access_token_ttl: 300,
    });
    machine = await registerClient(t, admin, {
      client_name: 'Machine',
      grant_types: ['client_credentials'],
      scope: 'notes:read',
      resource_scopes: { [BILLING]: 'read invoices:write', [SHIPPING]: 'track' },
    });
    await createUser(t, admin, { username: 'rita', password: PASSWORD });
  });
  afterAll(() => t.close());

  describe('client credentials', () => {
    it('issues a token for the one API named: aud is its identifier, its scopes, its lifetime', async () => {
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        { client_id: machine.client_id },
        oauth.ClientSecretBasic(machine.client_secret!),
        { resource: BILLING },
        insecure,
      );
      const result = await oauth.processClientCredentialsResponse(
        as,
        { client_id: machine.client_id },
        response,
      );
      expect(result.expires_in).toBe(600);
      expect(result.scope).toBe('read invoices:write');
      const claims = await verified(result.access_token, BILLING);
      expect(claims.aud).toBe(BILLING);
      expect(claims.scope).toBe('read invoices:write');
      expect(claims.exp! - claims.iat!).toBe(600);
    });

    it('narrows to the scope asked for at that API', async () => {
      const res = await clientCredentials(machine, { resource: BILLING, scope: 'read' });
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('read');
      expect((await verified(res.body.access_token!, BILLING)).scope).toBe('read');
    });

    it('without resource and without default_resource: the issuer, as before', async () => {
      const res = await clientCredentials(machine);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ scope: 'notes:read', expires_in: 900 });
      expect((await verified(res.body.access_token!, t.baseUrl)).aud).toBe(t.baseUrl);
    });

    it('the issuer named as resource is the issuer', async () => {
      const res = await clientCredentials(machine, { resource: t.baseUrl });
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('notes:read');
      expect((await verified(res.body.access_token!, t.baseUrl)).aud).toBe(t.baseUrl);
    });

    it('with default_resource and no resource: that API', async () => {
      const defaulted = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        resource_scopes: { [SHIPPING]: 'read track' },
        default_resource: SHIPPING,
      });
      const res = await clientCredentials(defaulted);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ scope: 'read track', expires_in: 1200 });
      expect((await verified(res.body.access_token!, SHIPPING)).aud).toBe(SHIPPING);
    });

    it('keeps two APIs’ `read` apart: allowed billing’s, refused shipping’s', async () => {
      const readsBilling = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        resource_scopes: { [BILLING]: 'read', [SHIPPING]: 'track' },
      });
      expect(
        (await clientCredentials(readsBilling, { resource: BILLING, scope: 'read' })).status,
      ).toBe(200);
      const refused = await clientCredentials(readsBilling, { resource: SHIPPING, scope: 'read' });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_scope');
      expect(refused.body.access_token).toBeUndefined();
      // Nor is a scope of the issuer's its scope at an API.
      const own = await clientCredentials(machine, { resource: BILLING, scope: 'notes:read' });
      expect(own.body.error).toBe('invalid_scope');
    });

    const targets: [string, () => Record<string, string | string[]>][] = [
      ['an API the client may not use', () => ({ resource: REPORTS })],
      ['an unregistered resource', () => ({ resource: UNKNOWN })],
      ['a relative resource', () => ({ resource: '/billing' })],
      ['a resource with a fragment', () => ({ resource: `${BILLING}#x` })],
      ['two resources at once', () => ({ resource: [BILLING, SHIPPING] })],
      ['an API and the issuer at once', () => ({ resource: [BILLING, t.baseUrl] })],
    ];
    it.each(targets)('refuses %s with invalid_target, issuing nothing', async (_name, params) => {
      const before = await t.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM issued_access_tokens WHERE client_id = $1`,
        [machine.client_id],
      );
      const res = await clientCredentials(machine, params());
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_target');
      expect(res.body.access_token).toBeUndefined();
      const after = await t.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM issued_access_tokens WHERE client_id = $1`,
        [machine.client_id],
      );
      expect(after[0].n).toBe(before[0].n);
    });
  });

  describe('password and jwt-bearer grants', () => {
    it('password: a token for the API named, with the refresh token kept for that API', async () => {
      const app = await registerClient(t, admin, {
        grant_types: ['password', 'refresh_token'],
        scope: 'openid',
        resource_scopes: { [BILLING]: 'read' },
      });
      const res = await token(
        t,
        { grant_type: 'password', username: 'rita', password: PASSWORD, resource: BILLING },
        basic(app),
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ scope: 'read', expires_in: 600 });
      const claims = await verified(res.body.access_token!, BILLING);
      expect(claims).toMatchObject({ aud: BILLING, username: 'rita' });
      const refreshed = await token(
        t,
        { grant_type: 'refresh_token', refresh_token: res.body.refresh_token! },
        basic(app),
      );
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.scope).toBe('read');
      expect((await verified(refreshed.body.access_token!, BILLING)).aud).toBe(BILLING);

      const refused = await token(
        t,
        { grant_type: 'password', username: 'rita', password: PASSWORD, resource: SHIPPING },
        basic(app),
      );
      expect(refused.body.error).toBe('invalid_target');
    });

    it('jwt-bearer: a token for the API named, no longer than the API allows', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
      const service = await registerClient(t, admin, {
        grant_types: [JWT_BEARER],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [jwk] },
        resource_scopes: { [SHIPPING]: 'track' },
      });
      const sign = () =>
        assertion({ privateKey, kid: 'k1', alg: 'ES256' }, service.client_id, t.baseUrl);
      const res = await token(t, {
        grant_type: JWT_BEARER,
        assertion: await sign(),
        resource: SHIPPING,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ scope: 'track', expires_in: 1200 });
      expect((await verified(res.body.access_token!, SHIPPING)).aud).toBe(SHIPPING);

      const shorter = await token(t, {
        grant_type: JWT_BEARER,
        assertion: await sign(),
        resource: SHIPPING,
        duration_seconds: '120',
      });
      expect(shorter.body.expires_in).toBe(120);

      const refused = await token(t, {
        grant_type: JWT_BEARER,
        assertion: await sign(),
        resource: BILLING,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_target');
    });
  });

  describe('authorization code flow with two APIs, refresh for each', () => {
    let web: Registered;
    let agent: BrowserAgent;
    const client = () => ({ client_id: web.client_id });
    const clientAuth = () => oauth.ClientSecretBasic(web.client_secret!);

    /** The authorization URL with these resources and scope, and its PKCE verifier. */
    async function authorizationUrl(resources: string[], scope: string, state: string) {
      const verifier = oauth.generateRandomCodeVerifier();
      const url = new URL(as.authorization_endpoint!);
      const params = new URLSearchParams({
        client_id: web.client_id,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope,
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      for (const resource of resources) params.append('resource', resource);
      url.search = params.toString();
      return { url, verifier };
    }

    /** Signs in when asked; answers the consent page, if any, with allow. */
    async function authorize(url: URL): Promise<{ consent?: AgentResponse; callback: URL }> {
      let next = await agent.get(url.toString());
      expect(next.status).toBe(302);
      if (next.location!.startsWith('/login')) {
        const login = await agent.get(next.location!);
        next = await agent.post('/login', {
          csrf_token: hiddenField(login.text, 'csrf_token'),
          request: hiddenField(login.text, 'request'),
          username: 'rita',
          password: PASSWORD,
        });
      }
      let consent: AgentResponse | undefined;
      if (next.location!.startsWith('/consent')) {
        consent = await agent.get(next.location!);
        next = await agent.post('/consent', {
          csrf_token: hiddenField(consent.text, 'csrf_token'),
          request: hiddenField(consent.text, 'request'),
          decision: 'allow',
        });
      }
      return { consent, callback: new URL(next.location!) };
    }

    /** The details of the refresh.rotated audit row of the access token a refresh answered. */
    const rotationAudited = async (accessToken: string) =>
      (
        await t.db.query<{ details: Record<string, unknown> }>(
          `SELECT details FROM audit_events WHERE type = 'refresh.rotated' AND details->>'jti' = $1`,
          [claimsOf(accessToken).jti],
        )
      )[0]?.details;

    const refresh = (refreshToken: string, resource?: string) =>
      oauth.refreshTokenGrantRequest(as, client(), clientAuth(), refreshToken, {
        ...insecure,
        additionalParameters: resource ? { resource } : {},
      });

    beforeAll(async () => {
      web = await registerClient(t, admin, {
        client_name: 'Parcel Desk',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid offline_access notes:read',
        resource_scopes: {
          [BILLING]: 'read invoices:write',
          [SHIPPING]: 'read track',
          [REPORTS]: 'read',
        },
      });
      agent = new BrowserAgent(t.baseUrl);
    });

    it('consents to two APIs’ scopes, each described as its API describes it', async () => {
      const { url, verifier } = await authorizationUrl(
        [BILLING, SHIPPING],
        'openid offline_access read track',
        'first',
      );
      const { consent, callback } = await authorize(url);
      expect(consent?.status).toBe(200);
      const listed = [...consent!.text.matchAll(/<li>(.*?)<\/li>/g)].map((m) =>
        m[1].replace(/<[^>]+>/g, ''),
      );
      expect(listed).toEqual(
        expect.arrayContaining([
          'Read your invoices at Billing read',
          'See your parcels at Shipping read',
          'Follow your parcels on the road at Shipping track',
        ]),
      );
      expect(consent!.text).not.toContain('Create invoices for you');
      expect(consent!.text).not.toContain('Read your reports');

      const params = oauth.validateAuthResponse(as, client(), callback, 'first');
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client(),
        clientAuth(),
        params,
        REDIRECT,
        verifier,
        { ...insecure, additionalParameters: { resource: BILLING } },
      );
      const tokens = await oauth.processAuthorizationCodeResponse(as, client(), response, {
        requireIdToken: true,
      });
      expect(tokens.scope).toBe('read');
      expect(tokens.expires_in).toBe(600);
      const billingClaims = await verified(tokens.access_token, BILLING);
      expect(billingClaims).toMatchObject({ aud: BILLING, scope: 'read', username: 'rita' });
      // The ID token is for the client, whatever API the access token is for.
      expect(oauth.getValidatedIdTokenClaims(tokens)!.aud).toBe(web.client_id);

      // Refresh for the other API of the grant: its audience, its scopes, its lifetime.
      const shipping = await oauth.processRefreshTokenResponse(
        as,
        client(),
        await refresh(tokens.refresh_token!, SHIPPING),
      );
      expect(shipping.scope).toBe('read track');
      expect(shipping.expires_in).toBe(1200);
      expect((await verified(shipping.access_token, SHIPPING)).aud).toBe(SHIPPING);
      // The audit says what the token holds, not everything the grant does.
      expect(await rotationAudited(shipping.access_token)).toMatchObject({
        aud: SHIPPING,
        scope: 'read track',
      });

      // Narrowed to one of its scopes there.
      const narrowed = await token(
        t,
        {
          grant_type: 'refresh_token',
          refresh_token: shipping.refresh_token!,
          resource: SHIPPING,
          scope: 'track',
        },
        basic(web),
      );
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.scope).toBe('track');
      const current = narrowed.body.refresh_token!;

      // An API the client may use but this grant does not cover: refused, nothing consumed.
      for (const resource of [REPORTS, UNKNOWN]) {
        await expect(
          oauth.processRefreshTokenResponse(as, client(), await refresh(current, resource)),
        ).rejects.toMatchObject({ error: 'invalid_target', status: 400 });
      }
      // A scope the grant has at another API is not a scope at this one.
      const crossed = await token(
        t,
        {
          grant_type: 'refresh_token',
          refresh_token: current,
          resource: BILLING,
          scope: 'track',
        },
        basic(web),
      );
      expect(crossed.body.error).toBe('invalid_scope');
      const twice = await token(
        t,
        { grant_type: 'refresh_token', refresh_token: current, resource: [BILLING, SHIPPING] },
        basic(web),
      );
      expect(twice.body.error).toBe('invalid_target');

      // The issuer: its own scopes only, and the token works at userinfo.
      const own = await oauth.processRefreshTokenResponse(
        as,
        client(),
        await refresh(current, t.baseUrl),
      );
      expect(own.scope).toBe('openid offline_access');
      expect(own.expires_in).toBe(900);
      // A token for the issuer is audited without aud, as always.
      const ownAudit = await rotationAudited(own.access_token);
      expect(ownAudit).toMatchObject({ scope: 'openid offline_access' });
      expect(ownAudit).not.toHaveProperty('aud');
      expect((await verified(own.access_token, t.baseUrl)).aud).toBe(t.baseUrl);
      const info = await t.http.get('/oauth/userinfo', { bearer: own.access_token });
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({ sub: billingClaims.sub });

      // An API's token is no good at Portcullis's own routes.
      for (const path of ['/oauth/userinfo', '/admin/apis']) {
        const refused = await t.http.get(path, { bearer: tokens.access_token });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
      }
    });

    it('remembers consent per API and scope: the same again skips it, a new API scope asks', async () => {
      const same = await authorize(
        (await authorizationUrl([BILLING, SHIPPING], 'openid offline_access read track', 'again'))
          .url,
      );
      expect(same.consent).toBeUndefined();
      expect(same.callback.searchParams.get('state')).toBe('again');
      expect(same.callback.searchParams.get('code')).toBeTruthy();

      const fewer = await authorize((await authorizationUrl([SHIPPING], 'track', 'fewer')).url);
      expect(fewer.consent).toBeUndefined();
      expect(fewer.callback.searchParams.get('code')).toBeTruthy();

      // `read` was allowed at Billing and Shipping, never at Reports.
      const elsewhere = await authorize((await authorizationUrl([REPORTS], 'read', 'reports')).url);
      expect(elsewhere.consent?.text).toContain('Read your reports');
      expect(elsewhere.callback.searchParams.get('code')).toBeTruthy();

      const more = await authorize(
        (await authorizationUrl([BILLING], 'read invoices:write', 'more')).url,
      );
      expect(more.consent?.text).toContain('Create invoices for you');
      expect(more.callback.searchParams.get('state')).toBe('more');
    });

    it.each([
      ['no API', {}],
      ['an API it does not cover', { resource: REPORTS }],
    ])('a code for two APIs redeemed for %s is refused', async (_name, extra) => {
      const { url, verifier } = await authorizationUrl([BILLING, SHIPPING], 'read', 'unnamed');
      const { callback } = await authorize(url);
      const res = await token(
        t,
        {
          grant_type: 'authorization_code',
          code: callback.searchParams.get('code')!,
          redirect_uri: REDIRECT,
          code_verifier: verifier,
          ...extra,
        },
        basic(web),
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_target');
      expect(res.body.access_token).toBeUndefined();
    });

    const badResources: [string, string][] = [
      ['a relative resource', '/billing'],
      ['a resource with a fragment', `${BILLING}#frag`],
      ['an unknown resource', UNKNOWN],
    ];
    it.each(badResources)(
      'refuses %s at /oauth/authorize by redirect: invalid_target, state, iss',
      async (_name, resource) => {
        const before = await t.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM authorization_requests',
        );
        const { url } = await authorizationUrl([resource], 'read', 'bad-target');
        const res = await new BrowserAgent(t.baseUrl).get(url.toString());
        expect(res.status).toBe(302);
        const location = new URL(res.location!);
        expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
        expect(Object.fromEntries(location.searchParams)).toMatchObject({
          error: 'invalid_target',
          state: 'bad-target',
          iss: t.baseUrl,
        });
        expect(location.searchParams.get('code')).toBeNull();
        const after = await t.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM authorization_requests',
        );
        expect(after[0].n).toBe(before[0].n);
      },
    );

    it('refuses at /oauth/authorize a scope the named API does not allow the client', async () => {
      const { url } = await authorizationUrl([REPORTS], 'track', 'bad-scope');
      const res = await new BrowserAgent(t.baseUrl).get(url.toString());
      const location = new URL(res.location!);
      expect(location.searchParams.get('error')).toBe('invalid_scope');
      expect(location.searchParams.get('state')).toBe('bad-scope');
    });
  });

  describe('implicit grant: the access token is answered at the authorize endpoint', () => {
    let spa: Registered;
    const authorizeUrl = (resources: string[]) => {
      const params = new URLSearchParams({
        response_type: 'token',
        client_id: spa.client_id,
        redirect_uri: REDIRECT,
        scope: 'read',
        state: 'implicit',
      });
      for (const resource of resources) params.append('resource', resource);
      return `/oauth/authorize?${params.toString()}`;
    };

    beforeAll(async () => {
      spa = await registerClient(t, admin, {
        redirect_uris: [REDIRECT],
        grant_types: ['implicit'],
        response_types: ['token'],
        token_endpoint_auth_method: 'none',
        resource_scopes: { [BILLING]: 'read', [SHIPPING]: 'read' },
      });
    });

    it('for one API: its audience, scope and lifetime, in the fragment', async () => {
      const agent = new BrowserAgent(t.baseUrl);
      const start = await agent.get(authorizeUrl([BILLING]));
      const login = await agent.get(start.location!);
      const afterLogin = await agent.post('/login', {
        csrf_token: hiddenField(login.text, 'csrf_token'),
        request: hiddenField(login.text, 'request'),
        username: 'rita',
        password: PASSWORD,
      });
      const consent = await agent.get(afterLogin.location!);
      const allowed = await agent.post('/consent', {
        csrf_token: hiddenField(consent.text, 'csrf_token'),
        request: hiddenField(consent.text, 'request'),
        decision: 'allow',
      });
      const answer = new URLSearchParams(new URL(allowed.location!).hash.slice(1));
      expect(answer.get('scope')).toBe('read');
      expect(answer.get('expires_in')).toBe('600');
      expect((await verified(answer.get('access_token')!, BILLING)).aud).toBe(BILLING);
    });

    it('refuses two APIs before sign-in: one access token cannot serve both', async () => {
      const before = await t.db.query<{ n: string }>(
        'SELECT count(*) AS n FROM authorization_requests',
      );
      const res = await new BrowserAgent(t.baseUrl).get(authorizeUrl([BILLING, SHIPPING]));
      expect(res.status).toBe(302);
      const location = new URL(res.location!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      expect(Object.fromEntries(new URLSearchParams(location.hash.slice(1)))).toMatchObject({
        error: 'invalid_target',
        state: 'implicit',
        iss: t.baseUrl,
      });
      const after = await t.db.query<{ n: string }>(
        'SELECT count(*) AS n FROM authorization_requests',
      );
      expect(after[0].n).toBe(before[0].n);
    });
  });

  describe('at the resource servers', () => {
    const NOTES_A = 'https://notes-a.example.com';
    const NOTES_B = 'https://notes-b.example.com';
    let siblingA: ServerProcess;
    let siblingB: ServerProcess;
    let notes: Registered;

    beforeAll(async () => {
      for (const identifier of [NOTES_A, NOTES_B]) {
        await registerApi({
          identifier,
          name: identifier,
          scopes: [{ value: 'notes:read', description: 'Read notes' }],
        });
      }
      notes = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        scope: 'notes:read',
        resource_scopes: { [NOTES_A]: 'notes:read', [NOTES_B]: 'notes:read' },
      });
      [siblingA, siblingB] = await Promise.all([
        startSibling({ ISSUER: t.baseUrl, AUDIENCE: NOTES_A, RESOURCE: NOTES_A }),
        startSibling({ ISSUER: t.baseUrl, AUDIENCE: NOTES_B, RESOURCE: NOTES_B }),
      ]);
    }, 60_000);
    afterAll(async () => {
      await siblingA?.stop();
      await siblingB?.stop();
    });

    it('a token for API A works at A only: B and the issuer’s audience are refused', async () => {
      const forA = (await clientCredentials(notes, { resource: NOTES_A })).body.access_token!;
      const forB = (await clientCredentials(notes, { resource: NOTES_B })).body.access_token!;
      const forIssuer = (await clientCredentials(notes)).body.access_token!;
      const a = new HttpClient(siblingA.baseUrl);
      const b = new HttpClient(siblingB.baseUrl);

      expect((await a.get('/notes', { bearer: forA })).status).toBe(200);
      expect((await b.get('/notes', { bearer: forB })).status).toBe(200);
      for (const [api, bearer] of [
        [b, forA],
        [a, forB],
        [a, forIssuer],
      ] as const) {
        const refused = await api.get('/notes', { bearer });
        expect(refused.status).toBe(401);
        expect(refused.body.error).toBe('invalid_token');
        expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
      }
    });
  });

  it('Portcullis’s own routes refuse a token for an API, even one carrying the scope they need', async () => {
    const LOOKALIKE = 'https://lookalike.example.com';
    await registerApi({
      identifier: LOOKALIKE,
      name: 'Look-alike',
      scopes: [{ value: 'admin', description: 'Administer' }],
    });
    const sly = await registerClient(t, admin, {
      grant_types: ['client_credentials', 'password'],
      resource_scopes: { [LOOKALIKE]: 'admin' },
    });
    const adminLike = await clientCredentials(sly, { resource: LOOKALIKE });
    expect(adminLike.body.scope).toBe('admin');
    const refused = await t.http.get('/admin/clients', { bearer: adminLike.body.access_token! });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');

    const userToken = await token(
      t,
      { grant_type: 'password', username: 'rita', password: PASSWORD, resource: LOOKALIKE },
      basic(sly),
    );
    expect(userToken.status).toBe(200);
    const account = await t.http.get('/account/api/consents', {
      bearer: userToken.body.access_token!,
    });
    expect(account.status).toBe(401);
  });

  describe('introspection and revocation by audience', () => {
    let billingServer: Registered;
    let plainIntrospector: Registered;

    beforeAll(async () => {
      billingServer = await registerClient(t, admin, {
        client_name: 'Billing API',
        grant_types: ['client_credentials'],
        scope: 'introspect',
        resource_scopes: { [BILLING]: '' },
      });
      plainIntrospector = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        scope: 'introspect',
      });
    });

    it('the server of API A sees A’s tokens, not B’s; issuer tokens are visible to any', async () => {
      const forBilling = (await clientCredentials(machine, { resource: BILLING })).body
        .access_token!;
      const forShipping = (await clientCredentials(machine, { resource: SHIPPING })).body
        .access_token!;
      const forIssuer = (await clientCredentials(machine)).body.access_token!;

      expect(await introspect(billingServer, forBilling)).toMatchObject({
        active: true,
        aud: BILLING,
        scope: 'read invoices:write',
        client_id: machine.client_id,
      });
      expect(await introspect(billingServer, forShipping)).toEqual({ active: false });
      expect(await introspect(billingServer, forIssuer)).toMatchObject({
        active: true,
        aud: t.baseUrl,
      });
      // An introspect client serving no API sees the issuer's tokens only.
      expect(await introspect(plainIntrospector, forBilling)).toEqual({ active: false });
      expect(await introspect(plainIntrospector, forIssuer)).toMatchObject({ active: true });
      // The token's own client sees its tokens.
      expect(await introspect(machine, forShipping)).toMatchObject({
        active: true,
        aud: SHIPPING,
      });
    });

    it('the client revokes its API token; the API’s server then sees it inactive', async () => {
      const forBilling = (await clientCredentials(machine, { resource: BILLING })).body
        .access_token!;
      expect((await introspect(billingServer, forBilling)).active).toBe(true);
      const revoked = await oauth.revocationRequest(
        as,
        { client_id: machine.client_id },
        oauth.ClientSecretBasic(machine.client_secret!),
        forBilling,
        insecure,
      );
      await oauth.processRevocationResponse(revoked);
      expect(await introspect(billingServer, forBilling)).toEqual({ active: false });
      const rows = await t.db.query('SELECT 1 FROM revoked_access_tokens WHERE jti = $1', [
        (await verified(forBilling, BILLING)).jti,
      ]);
      expect(rows).toHaveLength(1);
    });
  });

  describe('deleting an API', () => {
    const TEMP = 'https://temporary.example.com';
    let apiId: string;
    let temp: Registered;
    let tempRefresh: string;
    let tempToken: string;

    beforeAll(async () => {
      apiId = (
        await registerApi({
          identifier: TEMP,
          name: 'Temporary',
          scopes: [{ value: 'use', description: 'Use it' }],
        })
      ).id;
      temp = await registerClient(t, admin, {
        redirect_uris: [REDIRECT],
        grant_types: ['client_credentials', 'password', 'refresh_token', 'authorization_code'],
        scope: 'notes:read',
        resource_scopes: { [TEMP]: 'use' },
        default_resource: TEMP,
      });
    });

    const authorizeByDefault = () =>
      new BrowserAgent(t.baseUrl).get(
        `/oauth/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: temp.client_id,
          redirect_uri: REDIRECT,
          scope: 'use',
          state: 'by-default',
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'S256',
        }).toString()}`,
      );

    it('works before: by default and by name', async () => {
      expect((await authorizeByDefault()).location).toMatch(/^\/login\?request=/);
      const byDefault = await clientCredentials(temp);
      expect(byDefault.status).toBe(200);
      expect((await verified(byDefault.body.access_token!, TEMP)).scope).toBe('use');
      tempToken = byDefault.body.access_token!;
      const password = await token(
        t,
        { grant_type: 'password', username: 'rita', password: PASSWORD, resource: TEMP },
        basic(temp),
      );
      expect(password.status).toBe(200);
      tempRefresh = password.body.refresh_token!;
    });

    it('after: invalid_target by name, by default, and at refresh; the issuer still works', async () => {
      const deleted = await t.http.request('DELETE', `/admin/apis/${apiId}`, { auth: admin });
      expect(deleted.status).toBe(204);

      const refusals: TokenBody[] = [
        (await clientCredentials(temp, { resource: TEMP })).body,
        (await clientCredentials(temp)).body,
        (
          await token(
            t,
            { grant_type: 'refresh_token', refresh_token: tempRefresh, resource: TEMP },
            basic(temp),
          )
        ).body,
        (await token(t, { grant_type: 'refresh_token', refresh_token: tempRefresh }, basic(temp)))
          .body,
      ];
      for (const body of refusals) {
        expect(body.error).toBe('invalid_target');
        expect(body.access_token).toBeUndefined();
      }
      // Refused before anyone signs in, rather than after consent, at the code's redemption.
      const authorize = new URL((await authorizeByDefault()).location!);
      expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
        error: 'invalid_target',
        state: 'by-default',
        iss: t.baseUrl,
      });
      const own = await clientCredentials(temp, { resource: t.baseUrl });
      expect(own.status).toBe(200);
      expect(own.body.scope).toBe('notes:read');
    });

    it('after: a token issued for it before is still its client’s to see and revoke', async () => {
      expect(await introspect(temp, tempToken)).toMatchObject({ active: true, aud: TEMP });
      const revoked = await t.http.form('/oauth/revoke', { token: tempToken }, basic(temp));
      expect(revoked.status).toBe(200);
      expect(await introspect(temp, tempToken)).toEqual({ active: false });
      const [listed] = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM revoked_access_tokens WHERE jti = $1',
        [claimsOf(tempToken).jti],
      );
      expect(listed.n).toBe(1);
    });
  });

  it('discovery still answers with its endpoints', async () => {
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
    ]) {
      const res = await t.http.get<Record<string, unknown>>(path);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        issuer: t.baseUrl,
        authorization_endpoint: `${t.baseUrl}/oauth/authorize`,
        token_endpoint: `${t.baseUrl}/oauth/token`,
        introspection_endpoint: `${t.baseUrl}/oauth/introspect`,
        jwks_uri: `${t.baseUrl}/.well-known/jwks.json`,
      });
    }
  });
});

describe('registered APIs across instances', () => {
  const ISSUER = 'https://auth.example.test';
  const LEDGER = 'https://ledger.example.com';
  let a: TestApp;
  let b: TestApp;
  let admin: Credentials;

  beforeAll(async () => {
    const database = await createTestDatabase();
    const env = { ISSUER, ADMIN_CLIENT_SECRET: randomBytes(32).toString('base64url') };
    [a, b] = await Promise.all([startTestApp({ database, env }), startTestApp({ database, env })]);
    admin = await adminAuth(a);
  }, 60_000);
  afterAll(async () => {
    await b?.close({ keepData: true });
    if (b) await rm(b.dataDir, { recursive: true, force: true });
    await a?.close();
  });

  it('an API registered through one instance is usable through the other; deleted, refused there', async () => {
    // B has read the catalog (its issuer token) before the API exists.
    const warm = await registerClient(b, admin, { grant_types: ['client_credentials'] });
    expect((await token(b, { grant_type: 'client_credentials' }, basic(warm))).status).toBe(200);

    const created = await a.http.json<{ id: string }>(
      'POST',
      '/admin/apis',
      { identifier: LEDGER, name: 'Ledger', scopes: [{ value: 'post', description: 'Post' }] },
      admin,
    );
    expect(created.status).toBe(201);
    const ledger = await registerClient(b, admin, {
      grant_types: ['client_credentials'],
      resource_scopes: { [LEDGER]: 'post' },
    });
    const status = async (t: TestApp) =>
      (await token(t, { grant_type: 'client_credentials', resource: LEDGER }, basic(ledger)))
        .status;
    expect(await status(b)).toBe(200);

    await a.http.request('DELETE', `/admin/apis/${created.body.id}`, { auth: admin });
    expect(await status(a)).toBe(400);
    const refused = await pollUntil(
      () => status(b),
      (answer) => answer === 400,
      { timeoutMs: 3000, intervalMs: 50 },
    );
    expect(refused).toBe(400);
  });
});
