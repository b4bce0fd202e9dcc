import { generateKeyPairSync } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import * as oauth from 'oauth4webapi';
import { HttpClient, type Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  claimsOf,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { activeSigningKey } from '../support/server-keys.js';
import { paramsOf, valueFrom } from '../fuzz/support/arbitraries.js';
import { fuzz, PROPERTY_TIMEOUT_MS } from '../fuzz/support/fuzz-run.js';
import { startDownstream, startSibling, type ServerProcess } from '../support/server-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const PASSWORD = 'correct horse battery staple';

// The APIs: the user calls notes, notes calls storage, storage calls archive; `other` is an
// API none of the services serves.
const NOTES = 'https://notes.example.test';
const STORAGE = 'https://storage.example.test';
const ARCHIVE = 'https://archive.example.test';
const OTHER = 'https://other.example.test';

// The test server speaks plain http on loopback; a real deployment would not need this.
const insecure = { [oauth.allowInsecureRequests]: true };

describe('token exchange (RFC 8693)', () => {
  let t: TestApp;
  let admin: Credentials;
  let ivy: { id: string; username: string };
  /** The user's application: gets Ivy's tokens for the notes API (and the other one). */
  let app: Registered;
  /** The notes service's client: serves notes, exchanges into storage. */
  let notesService: Registered;
  /** The storage service's client: serves storage, exchanges into archive. */
  let storageService: Registered;
  /** Registered for impersonation: serves notes, exchanges into storage. */
  let impersonator: Registered;
  /** Serves notes, may get storage tokens, but not by exchange. */
  let notExchanging: Registered;
  let notesSibling: ServerProcess;
  let storage: ServerProcess;

  const createApi = async (identifier: string, scopes: string[], ttl: number) => {
    const res = await t.http.json(
      'POST',
      '/admin/apis',
      {
        identifier,
        name: new URL(identifier).hostname,
        scopes: scopes.map((value) => ({ value, description: value })),
        access_token_ttl: ttl,
      },
      admin,
    );
    if (res.status !== 201) throw new Error(`API registration failed: ${res.status} ${res.text}`);
  };

  /** A token for Ivy from her application, for `resource`. */
  const userToken = async (resource = NOTES, scope = 'notes:read attachments:read') => {
    const res = await token(
      t,
      { grant_type: 'password', username: 'ivy', password: PASSWORD, resource, scope },
      basic(app),
    );
    if (res.status !== 200) throw new Error(`password grant failed: ${res.status} ${res.text}`);
    return res.body.access_token!;
  };

  const exchange = (client: Registered, params: Record<string, string | string[]>) =>
    token(t, { grant_type: TOKEN_EXCHANGE, ...params }, basic(client));

  /** The token request of a plain exchange of `subject` into storage, with any change. */
  const intoStorage = (subject: string, extra: Record<string, string | string[]> = {}) => ({
    subject_token: subject,
    subject_token_type: ACCESS_TOKEN_TYPE,
    resource: STORAGE,
    ...extra,
  });

  /** What a refusal must leave as it was: no token recorded, no exchange audited. */
  const issued = async () => {
    const [row] = await t.db.query<{ tokens: number; exchanges: number }>(
      `SELECT (SELECT count(*)::int FROM issued_access_tokens) AS tokens,
              (SELECT count(*)::int FROM audit_events WHERE type = 'token.exchanged') AS exchanges`,
    );
    return row;
  };

  /** A token signed with the server's own key, like `original` but for `changes`. */
  const resigned = async (original: string, changes: JWTPayload) => {
    const { kid, alg, privateKey } = await activeSigningKey(t);
    return new SignJWT({ ...claimsOf(original), ...changes })
      .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
      .sign(privateKey);
  };

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    await createApi(NOTES, ['notes:read', 'attachments:read'], 60);
    await createApi(STORAGE, ['attachments:read', 'attachments:write'], 3600);
    await createApi(ARCHIVE, ['attachments:read'], 300);
    await createApi(OTHER, ['attachments:read'], 600);
    ivy = await createUser(t, admin, { username: 'ivy', password: PASSWORD });
    app = await registerClient(t, admin, {
      client_name: 'Notes app',
      grant_types: ['password'],
      resource_scopes: { [NOTES]: 'notes:read attachments:read', [OTHER]: 'attachments:read' },
    });
    // Each service serves its own API (default_resource) and exchanges into the next one.
    notesService = await registerClient(t, admin, {
      client_name: 'Notes service',
      grant_types: [TOKEN_EXCHANGE, 'client_credentials'],
      resource_scopes: { [NOTES]: '', [STORAGE]: 'attachments:read attachments:write' },
      default_resource: NOTES,
    });
    storageService = await registerClient(t, admin, {
      client_name: 'Storage service',
      grant_types: [TOKEN_EXCHANGE],
      resource_scopes: { [STORAGE]: '', [ARCHIVE]: 'attachments:read' },
      default_resource: STORAGE,
    });
    impersonator = await registerClient(t, admin, {
      client_name: 'Trusted gateway',
      grant_types: [TOKEN_EXCHANGE, 'client_credentials'],
      resource_scopes: { [NOTES]: '', [STORAGE]: 'attachments:read' },
      default_resource: NOTES,
      token_exchange_impersonation: true,
    });
    notExchanging = await registerClient(t, admin, {
      client_name: 'Not exchanging',
      grant_types: ['client_credentials'],
      resource_scopes: { [NOTES]: '', [STORAGE]: 'attachments:read' },
      default_resource: NOTES,
    });
    storage = await startDownstream({ ISSUER: t.baseUrl, AUDIENCE: STORAGE });
    notesSibling = await startSibling({
      ISSUER: t.baseUrl,
      AUDIENCE: NOTES,
      DOWNSTREAM_URL: storage.baseUrl,
      DOWNSTREAM_AUDIENCE: STORAGE,
      EXCHANGE_CLIENT_ID: notesService.client_id,
      EXCHANGE_CLIENT_SECRET: notesService.client_secret!,
    });
  }, 90_000);
  afterAll(async () => {
    await notesSibling?.stop();
    await storage?.stop();
    await t?.close();
  });

  describe('three services', () => {
    it('the notes service calls storage for the user with an exchanged token that names it as actor', async () => {
      const res = await new HttpClient(notesSibling.baseUrl).get<{
        note: string;
        storage: { note: string; caller: Record<string, unknown> };
      }>('/notes/7/attachments', { bearer: await userToken() });
      expect(res.status).toBe(200);
      expect(res.body.note).toBe('7');
      expect(res.body.storage.note).toBe('7');
      expect(res.body.storage.caller).toEqual({
        sub: ivy.id,
        username: 'ivy',
        clientId: notesService.client_id,
        actor: { sub: notesService.client_id },
        scopes: ['attachments:read'],
      });
    });

    it("storage refuses the user's own token, which is for the notes API: 401", async () => {
      const res = await new HttpClient(storage.baseUrl).get('/attachments?note=7', {
        bearer: await userToken(),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(res.body.error_description).toBe('the access token is not meant for this audience');
    });

    it('the notes route needs attachments:read in the user token: 403 without it', async () => {
      const res = await new HttpClient(notesSibling.baseUrl).get('/notes/7/attachments', {
        bearer: await userToken(NOTES, 'notes:read'),
      });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toContain('scope="attachments:read"');
    });
  });

  describe('at the token endpoint', () => {
    it('is advertised in the metadata, and a standard client library exchanges a token', async () => {
      const issuer = new URL(t.baseUrl);
      const as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
      );
      expect(as.grant_types_supported).toContain(TOKEN_EXCHANGE);
      const subject = await userToken();
      const before = await issued();

      const response = await oauth.processGenericTokenEndpointResponse(
        as,
        { client_id: notesService.client_id },
        await oauth.genericTokenEndpointRequest(
          as,
          { client_id: notesService.client_id },
          oauth.ClientSecretBasic(notesService.client_secret!),
          TOKEN_EXCHANGE,
          {
            subject_token: subject,
            subject_token_type: ACCESS_TOKEN_TYPE,
            resource: STORAGE,
            scope: 'attachments:read',
          },
          insecure,
        ),
      );
      expect(response.issued_token_type).toBe(ACCESS_TOKEN_TYPE);
      expect(response.token_type).toBe('bearer');
      expect(response.scope).toBe('attachments:read');
      expect(response.refresh_token).toBeUndefined();

      const { payload, protectedHeader } = await jwtVerify(
        response.access_token,
        createRemoteJWKSet(new URL(`${t.baseUrl}/.well-known/jwks.json`)),
        { issuer: t.baseUrl, audience: STORAGE, typ: 'at+jwt' },
      );
      expect(protectedHeader.typ).toBe('at+jwt');
      const original = claimsOf(subject);
      expect(payload).toMatchObject({
        sub: ivy.id,
        username: 'ivy',
        aud: STORAGE,
        client_id: notesService.client_id,
        scope: 'attachments:read',
        act: { sub: notesService.client_id },
      });
      // Never past the subject token, though storage tokens live an hour.
      expect(payload.exp).toBeLessThanOrEqual(original.exp as number);
      expect(response.expires_in).toBeLessThanOrEqual(60);
      expect(response.expires_in).toBe(payload.exp! - payload.iat!);

      // Recorded for revocation, and audited as an exchange.
      expect(await issued()).toEqual({
        tokens: before.tokens + 1,
        exchanges: before.exchanges + 1,
      });
      const [row] = await t.db.query<{ client_id: string; user_id: string }>(
        'SELECT client_id, user_id FROM issued_access_tokens WHERE jti = $1',
        [payload.jti],
      );
      expect(row).toEqual({ client_id: notesService.client_id, user_id: ivy.id });
      const audit = await t.http.get<{
        items: { client_id: string; user_id: string; details: Record<string, unknown> }[];
      }>('/admin/audit-events?type=token.exchanged&limit=1', admin);
      expect(audit.body.items[0]).toMatchObject({
        client_id: notesService.client_id,
        user_id: ivy.id,
        details: {
          grant_type: TOKEN_EXCHANGE,
          jti: payload.jti,
          subject_jti: original.jti,
          subject_client_id: app.client_id,
          aud: STORAGE,
          scope: 'attachments:read',
          impersonation: false,
          act: { sub: notesService.client_id },
        },
      });
    });

    it('takes the target as audience, the jwt token type, and no scope as all it may keep', async () => {
      const res = await exchange(notesService, {
        subject_token: await userToken(),
        subject_token_type: JWT_TOKEN_TYPE,
        audience: STORAGE,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      // attachments:write is the client's at storage, but not in the subject token.
      expect(res.body).toMatchObject({ scope: 'attachments:read', token_type: 'Bearer' });
      expect(claimsOf(res.body.access_token!)).toMatchObject({ aud: STORAGE, sub: ivy.id });
    });

    it('keeps the subject and nests act along a chain: user → notes → storage → archive', async () => {
      const first = await exchange(notesService, intoStorage(await userToken()));
      expect(first.status).toBe(200);
      const second = await exchange(storageService, {
        subject_token: first.body.access_token!,
        subject_token_type: ACCESS_TOKEN_TYPE,
        resource: ARCHIVE,
      });
      expect(second.status).toBe(200);
      const claims = claimsOf(second.body.access_token!);
      expect(claims).toMatchObject({
        sub: ivy.id,
        username: 'ivy',
        aud: ARCHIVE,
        client_id: storageService.client_id,
        scope: 'attachments:read',
        act: { sub: storageService.client_id, act: { sub: notesService.client_id } },
      });
      expect(claims.exp).toBeLessThanOrEqual(claimsOf(first.body.access_token!).exp as number);

      // Introspection shows the chain to the client holding the token.
      const introspected = await t.http.form(
        '/oauth/introspect',
        { token: second.body.access_token! },
        basic(storageService),
      );
      expect(introspected.body).toMatchObject({
        active: true,
        sub: ivy.id,
        client_id: storageService.client_id,
        act: { sub: storageService.client_id, act: { sub: notesService.client_id } },
      });
    });

    it('delegates with an actor token of the acting client', async () => {
      const actor = await t.http.clientToken(notesService.client_id, notesService.client_secret!);
      const res = await exchange(
        notesService,
        intoStorage(await userToken(), {
          actor_token: actor,
          actor_token_type: ACCESS_TOKEN_TYPE,
        }),
      );
      expect(res.status).toBe(200);
      expect(claimsOf(res.body.access_token!).act).toEqual({ sub: notesService.client_id });
    });

    it('impersonates only for a client registered for it, and only without an actor token', async () => {
      const before = await issued();
      const impersonated = await exchange(impersonator, intoStorage(await userToken()));
      expect(impersonated.status).toBe(200);
      const claims = claimsOf(impersonated.body.access_token!);
      expect(claims).toMatchObject({
        sub: ivy.id,
        client_id: impersonator.client_id,
        aud: STORAGE,
      });
      expect(claims).not.toHaveProperty('act');
      const [audit] = await t.db.query<{ details: Record<string, unknown> }>(
        `SELECT details FROM audit_events WHERE type = 'token.exchanged' ORDER BY id DESC LIMIT 1`,
      );
      expect(audit.details).toMatchObject({ impersonation: true, jti: claims.jti });
      expect(audit.details).not.toHaveProperty('act');
      expect((await issued()).exchanges).toBe(before.exchanges + 1);

      // With its own actor token the same client delegates.
      const actor = await t.http.clientToken(impersonator.client_id, impersonator.client_secret!);
      const delegated = await exchange(
        impersonator,
        intoStorage(await userToken(), {
          actor_token: actor,
          actor_token_type: ACCESS_TOKEN_TYPE,
        }),
      );
      expect(delegated.status).toBe(200);
      expect(claimsOf(delegated.body.access_token!).act).toEqual({
        sub: impersonator.client_id,
      });

      // A client not registered for it always delegates (the first tests), whatever it sends.
      const notRegistered = await exchange(notesService, intoStorage(await userToken()));
      expect(claimsOf(notRegistered.body.access_token!).act).toEqual({
        sub: notesService.client_id,
      });
    });
  });

  it(
    'answers any mix of exchange parameters with a token or an RFC error, and a refusal issues nothing',
    async () => {
      const subject = await userToken();
      const ownToken = await t.http.clientToken(
        notesService.client_id,
        notesService.client_secret!,
      );
      const targets = [STORAGE, NOTES, ARCHIVE, OTHER, t.baseUrl];
      const tokenTypes = [ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE];
      await fuzz(
        paramsOf({
          subject_token: valueFrom([subject, ownToken]),
          subject_token_type: valueFrom(tokenTypes),
          actor_token: valueFrom([ownToken, subject]),
          actor_token_type: valueFrom(tokenTypes),
          resource: valueFrom(targets),
          audience: valueFrom(targets),
          scope: valueFrom(['attachments:read', 'attachments:write', 'notes:read']),
          requested_token_type: valueFrom(tokenTypes),
        }),
        async (params) => {
          const body = new URLSearchParams([['grant_type', TOKEN_EXCHANGE], ...params]).toString();
          const before = await issued();
          const res = await t.http.request<{
            access_token?: string;
            issued_token_type?: string;
            error?: string;
            error_description?: string;
          }>('POST', '/oauth/token', {
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
            auth: basic(notesService),
          });
          if (res.status === 200) {
            expect(res.body.issued_token_type).toBe(ACCESS_TOKEN_TYPE);
            expect(claimsOf(res.body.access_token!)).toMatchObject({
              sub: ivy.id,
              client_id: notesService.client_id,
              act: { sub: notesService.client_id },
            });
            return;
          }
          // Past Fastify's body limit (64 KiB, src/app.setup.ts) nothing is read at all.
          expect(res.status).toBe(Buffer.byteLength(body) > 64 * 1024 ? 413 : 400);
          expect(['invalid_request', 'invalid_grant', 'invalid_scope', 'invalid_target']).toContain(
            res.body.error,
          );
          expect(typeof res.body.error_description).toBe('string');
          expect(await issued()).toEqual(before);
        },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  describe('refusals: the RFC error, and nothing issued', () => {
    const refusals: [
      string,
      () => Promise<{ client: Registered; params: Record<string, string | string[]> }>,
      number,
      string,
    ][] = [
      [
        'an expired subject token',
        async () => ({
          client: notesService,
          params: intoStorage(
            await resigned(await userToken(), {
              exp: Math.floor(Date.now() / 1000) - 5,
              iat: Math.floor(Date.now() / 1000) - 65,
            }),
          ),
        }),
        400,
        'invalid_request',
      ],
      [
        'a revoked subject token',
        async () => {
          const subject = await userToken();
          const revoked = await t.http.form(
            '/oauth/revoke',
            { token: subject, token_type_hint: 'access_token' },
            basic(app),
          );
          expect(revoked.status).toBe(200);
          return { client: notesService, params: intoStorage(subject) };
        },
        400,
        'invalid_request',
      ],
      [
        'a subject token of a user since disabled',
        async () => {
          const user = await createUser(t, admin, { username: 'jack', password: PASSWORD });
          const res = await token(
            t,
            {
              grant_type: 'password',
              username: 'jack',
              password: PASSWORD,
              resource: NOTES,
              scope: 'attachments:read',
            },
            basic(app),
          );
          const disabled = await t.http.json('POST', `/admin/users/${user.id}/disable`, {}, admin);
          expect(disabled.status).toBeLessThan(300);
          return { client: notesService, params: intoStorage(res.body.access_token!) };
        },
        400,
        'invalid_request',
      ],
      [
        'a forged subject token (another key under the server kid)',
        async () => {
          const { kid, alg } = await activeSigningKey(t);
          const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
          const forged = await new SignJWT(claimsOf(await userToken()))
            .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
            .sign(privateKey);
          return { client: notesService, params: intoStorage(forged) };
        },
        400,
        'invalid_request',
      ],
      [
        'a subject token for an API the client does not serve',
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(OTHER, 'attachments:read')),
        }),
        400,
        'invalid_request',
      ],
      [
        "a subject token from another service's audience (storage presents the notes token)",
        async () => ({
          client: storageService,
          params: {
            subject_token: await userToken(),
            subject_token_type: ACCESS_TOKEN_TYPE,
            resource: ARCHIVE,
          },
        }),
        400,
        'invalid_request',
      ],
      [
        'an actor token of another client',
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(), {
            actor_token: await t.http.clientToken(
              impersonator.client_id,
              impersonator.client_secret!,
            ),
            actor_token_type: ACCESS_TOKEN_TYPE,
          }),
        }),
        400,
        'invalid_request',
      ],
      [
        "a scope wider than the subject token's",
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(), { scope: 'attachments:read attachments:write' }),
        }),
        400,
        'invalid_scope',
      ],
      [
        'a scope the client may not have at the target',
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(), { scope: 'notes:read' }),
        }),
        400,
        'invalid_scope',
      ],
      [
        'a subject token with no scope in common with the target',
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(NOTES, 'notes:read')),
        }),
        400,
        'invalid_scope',
      ],
      [
        "a target API not in the client's resource_scopes",
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(), { resource: ARCHIVE }),
        }),
        400,
        'invalid_target',
      ],
      [
        'two target APIs',
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(), { resource: STORAGE, audience: NOTES }),
        }),
        400,
        'invalid_target',
      ],
      [
        "the issuer's own API as target",
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(), { resource: t.baseUrl }),
        }),
        400,
        'invalid_target',
      ],
      [
        'a client not registered for the grant',
        async () => ({ client: notExchanging, params: intoStorage(await userToken()) }),
        400,
        'unauthorized_client',
      ],
      [
        'a missing subject_token_type',
        async () => ({
          client: notesService,
          params: { subject_token: await userToken(), resource: STORAGE },
        }),
        400,
        'invalid_request',
      ],
      [
        'a missing subject_token',
        () =>
          Promise.resolve({
            client: notesService,
            params: { subject_token_type: ACCESS_TOKEN_TYPE, resource: STORAGE },
          }),
        400,
        'invalid_request',
      ],
      [
        'an unsupported subject_token_type',
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(), {
            subject_token_type: 'urn:ietf:params:oauth:token-type:saml2',
          }),
        }),
        400,
        'invalid_request',
      ],
      [
        'an actor token without actor_token_type',
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(), {
            actor_token: await t.http.clientToken(
              notesService.client_id,
              notesService.client_secret!,
            ),
          }),
        }),
        400,
        'invalid_request',
      ],
      [
        'a requested_token_type other than an access token',
        async () => ({
          client: notesService,
          params: intoStorage(await userToken(), {
            requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
          }),
        }),
        400,
        'invalid_request',
      ],
      [
        'a wrong client secret',
        async () => ({
          client: { client_id: notesService.client_id, client_secret: 'not-the-secret' },
          params: intoStorage(await userToken()),
        }),
        401,
        'invalid_client',
      ],
    ];

    it.each(refusals)('refuses %s', async (_name, make, status, error) => {
      const { client, params } = await make();
      const before = await issued();
      const res = await exchange(client, params);
      expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
      expect(typeof res.body.error_description).toBe('string');
      expect(res.body).not.toHaveProperty('access_token');
      expect(await issued()).toEqual(before);
    });

    it('refuses a public client: not registrable for the grant, unauthorized at the endpoint', async () => {
      const registration = await t.http.json(
        'POST',
        '/admin/clients',
        {
          client_name: 'Public exchanger',
          grant_types: [TOKEN_EXCHANGE],
          token_endpoint_auth_method: 'none',
          resource_scopes: { [NOTES]: '', [STORAGE]: 'attachments:read' },
        },
        admin,
      );
      expect(registration.status).toBe(400);
      expect(registration.body.error).toBe('invalid_client_metadata');

      const publicClient = await registerClient(t, admin, {
        client_name: 'Public app',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/cb'],
        token_endpoint_auth_method: 'none',
        resource_scopes: { [NOTES]: '', [STORAGE]: 'attachments:read' },
        default_resource: NOTES,
      });
      const subject = await userToken();
      const before = await issued();
      const res = await token(t, {
        grant_type: TOKEN_EXCHANGE,
        client_id: publicClient.client_id,
        ...intoStorage(subject),
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
      expect(await issued()).toEqual(before);
    });
  });
});
