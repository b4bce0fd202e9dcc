import fc from 'fast-check';
import { CLIENT_ASSERTION_TYPE, JWT_BEARER } from '../support/flows.js';
import { basicAuth } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { Surface } from './support/answer-shape.js';
import {
  authorizationHeader,
  bodyEncoding,
  deeplyNested,
  encodeBody,
  encodeQuery,
  headerSafe,
  jsonValue,
  nastyString,
  oddMethod,
  paramsOf,
  pathSafe,
  strangeHeaders,
  valueFrom,
  type Params,
} from './support/arbitraries.js';
import { EndpointFuzzer } from './support/endpoint-fuzzer.js';
import {
  createFuzzFixture,
  PASSWORD,
  PKCE_CHALLENGE,
  PUBLIC_REDIRECT_URI,
  type FuzzFixture,
} from './support/fuzz-fixture.js';
import { fuzz, PROPERTY_TIMEOUT_MS } from './support/fuzz-run.js';
import type { RawRequest } from './support/raw-http.js';

/** BODY_LIMIT_BYTES in src/app.setup.ts: Fastify's bodyLimit. */
const BODY_LIMIT_BYTES = 64 * 1024;

/** The routes that answer people with HTML (errors included); every other route speaks JSON. */
const PAGE_ROUTES: [RegExp, RegExp][] = [
  [/^(GET|HEAD)$/, /^\/oauth\/authorize$/],
  [/^(GET|HEAD|POST)$/, /^\/(login|consent)$/],
  [/^POST$/, /^\/logout$/],
  [/^(GET|HEAD)$/, /^\/account\/consents$/],
  [/^POST$/, /^\/account\/consents\/revoke$/],
  [/^(GET|HEAD)$/, /^\/login\/feishu\/[^/]+(\/callback)?$/],
];

function surfaceOf(method: string, path: string): Surface {
  const route = path.split('?')[0];
  return PAGE_ROUTES.some(([methods, paths]) => methods.test(method) && paths.test(route))
    ? 'page'
    : 'api';
}

/** The OAuth endpoints that take form bodies with client authentication. */
const FORM_ENDPOINTS = ['/oauth/token', '/oauth/par', '/oauth/revoke', '/oauth/introspect'];

/** Every POST route, for the body-limit property. */
const POST_ROUTES = [
  ...FORM_ENDPOINTS,
  '/login',
  '/logout',
  '/consent',
  '/account/consents/revoke',
  '/admin/clients',
  '/admin/users',
  '/admin/upstreams',
  '/admin/keys/rotate',
  '/upstream/coze/fuzz/token',
  '/upstream/feishu/fuzz/tenant-token',
];

describe('fuzzing every public endpoint (fast-check)', () => {
  let t: TestApp;
  let fx: FuzzFixture;
  let fuzzer: EndpointFuzzer;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        LOG_LEVEL: 'error',
        // Neither throttle may turn every later password attempt into a 429: the fuzzer
        // should reach the password checks themselves. The per-account lock stays on.
        LOGIN_RATE_LIMIT: '0',
        LOGIN_MAX_FAILURES_PER_IP: '100000',
      },
    });
    fx = await createFuzzFixture(t);
    fuzzer = new EndpointFuzzer(t);
    expect(fuzzer.serverProblems()).toEqual([]);
  });
  afterAll(() => t?.close());

  /** The parameters any OAuth form endpoint might be sent, real values mixed with junk. */
  const oauthParams = (): fc.Arbitrary<Params> =>
    paramsOf({
      grant_type: valueFrom([
        'client_credentials',
        'password',
        'authorization_code',
        'refresh_token',
        JWT_BEARER,
        'implicit',
        'urn:ietf:params:oauth:grant-type:device_code',
      ]),
      client_id: valueFrom(fx.clientIds),
      client_secret: valueFrom(fx.secrets),
      scope: valueFrom(['read', 'read write', 'openid email', 'admin', 'account', '  ']),
      username: valueFrom(['alice', 'victim', 'ALICE']),
      password: valueFrom([PASSWORD, 'wrong']),
      code: nastyString,
      redirect_uri: valueFrom(fx.redirectUris),
      code_verifier: nastyString,
      refresh_token: nastyString,
      assertion: valueFrom(['eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln']),
      client_assertion: valueFrom(['eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']),
      client_assertion_type: valueFrom([CLIENT_ASSERTION_TYPE]),
      token: valueFrom(fx.validAuthorization.map((header) => header.replace(/^\w+ /, ''))),
      token_type_hint: valueFrom(['access_token', 'refresh_token']),
      // The authorization request's, for the pushed authorization request endpoint.
      response_type: valueFrom(['code', 'token', 'id_token']),
      code_challenge: valueFrom([PKCE_CHALLENGE]),
      code_challenge_method: valueFrom(['S256', 'plain']),
      request_uri: valueFrom([`urn:ietf:params:oauth:request_uri:${'A'.repeat(43)}`]),
    });

  /** A request with a body, its method, encoding, Authorization and extra headers all fuzzed. */
  const bodyRequest = (
    paths: fc.Arbitrary<string>,
    params: fc.Arbitrary<Params>,
    options: {
      authorization?: fc.Arbitrary<string | undefined>;
      cookie?: fc.Arbitrary<string | undefined>;
    } = {},
  ): fc.Arbitrary<RawRequest> =>
    fc
      .record({
        method: fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, oddMethod),
        path: paths,
        params,
        encoding: bodyEncoding,
        choice: fc.nat(30),
        authorization: options.authorization ?? authorizationHeader(fx.validAuthorization),
        cookie: options.cookie ?? fc.constant(undefined),
        extra: strangeHeaders,
      })
      .map(({ method, path, params, encoding, choice, authorization, cookie, extra }) => {
        const { contentType, body } = encodeBody(params, encoding, choice);
        const headers: [string, string][] = [...extra];
        if (contentType) headers.push(['content-type', contentType]);
        if (authorization !== undefined) headers.push(['authorization', authorization]);
        if (cookie !== undefined) headers.push(['cookie', cookie]);
        return { method, path, headers, body };
      });

  const exercise = (request: RawRequest) =>
    fuzzer.exercise(surfaceOf(request.method, request.path), request).then(() => undefined);

  it(
    'the token endpoint answers any grant_type, encoding and credentials with a 2xx or an RFC 6749 error',
    () => fuzz(bodyRequest(fc.constant('/oauth/token'), oauthParams()), exercise),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'pushed authorization requests, revocation and introspection answer any input with a 2xx or an RFC 6749 error',
    () =>
      fuzz(
        bodyRequest(
          fc.constantFrom('/oauth/par', '/oauth/revoke', '/oauth/introspect'),
          oauthParams(),
        ),
        exercise,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a repeated parameter is refused with invalid_request (RFC 6749 §3.1)',
    () =>
      fuzz(
        fc
          .record({
            path: fc.constantFrom(...FORM_ENDPOINTS),
            params: oauthParams().filter((params) => params.length > 0),
            pick: fc.nat(),
            again: nastyString,
            authorization: authorizationHeader(fx.validAuthorization),
          })
          .map(({ path, params, pick, again, authorization }): RawRequest => {
            const [name] = params[pick % params.length];
            const body = new URLSearchParams([...params, [name, again]]).toString();
            const headers: [string, string][] = [
              ['content-type', 'application/x-www-form-urlencoded'],
            ];
            if (authorization !== undefined) headers.push(['authorization', authorization]);
            return { method: 'POST', path, headers, body: Buffer.from(body) };
          }),
        async (request) => {
          // Past the body limit, Fastify refuses the request before any parameter is read.
          const expected =
            request.body!.length > BODY_LIMIT_BYTES
              ? { status: 413 }
              : { status: 400, error: 'invalid_request' };
          await fuzzer.exercise('api', request, expected);
        },
      ),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'bearer-protected APIs answer any Authorization header with a 2xx or an RFC 6750 error',
    () =>
      fuzz(
        fc
          .record({
            route: fc.constantFrom(
              ['GET', '/oauth/userinfo'],
              ['POST', '/oauth/userinfo'],
              ['GET', '/account/api/consents'],
              ['DELETE', '/account/api/consents/'],
              ['POST', '/upstream/coze/'],
              ['POST', '/upstream/feishu/'],
              ['GET', '/admin/clients'],
              ['GET', '/admin/users/'],
              ['GET', '/admin/audit-events'],
              ['GET', '/admin/keys'],
            ),
            tail: valueFrom(fx.clientIds).map(pathSafe),
            authorization: authorizationHeader(fx.validAuthorization),
            extra: strangeHeaders,
          })
          .map(({ route: [method, path], tail, authorization, extra }): RawRequest => {
            const full = path.endsWith('/')
              ? `${path}${tail}${path.startsWith('/upstream/feishu') ? '/user-token' : path.startsWith('/upstream/coze') ? '/token' : ''}`
              : path;
            const headers: [string, string][] = [...extra];
            if (authorization !== undefined) headers.push(['authorization', authorization]);
            return { method, path: full, headers };
          }),
        exercise,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'the authorize endpoint answers any query with a page, a redirect, or an error sent to the client',
    () =>
      fuzz(
        fc
          .record({
            params: paramsOf({
              client_id: valueFrom(fx.clientIds),
              redirect_uri: valueFrom(fx.redirectUris),
              response_type: valueFrom(['code', 'token', 'id_token', 'code token']),
              scope: valueFrom(['read', 'openid', 'read openid', 'admin', 'read  write']),
              state: nastyString,
              nonce: nastyString,
              prompt: valueFrom(['none', 'login', 'consent']),
              code_challenge: valueFrom([PKCE_CHALLENGE]),
              code_challenge_method: valueFrom(['S256', 'plain', 's256']),
              request_uri: valueFrom([
                `urn:ietf:params:oauth:request_uri:${'A'.repeat(43)}`,
                'urn:ietf:params:oauth:request_uri:',
                'https://client.example.com/request.jwt',
              ]),
            }),
            raw: fc.boolean(),
            cookie: fc.option(fc.constantFrom(fx.sessionCookie, 'portcullis_session=s%3Ajunk.sig')),
            extra: strangeHeaders,
          })
          .map(({ params, raw, cookie, extra }): RawRequest => {
            const headers: [string, string][] = [...extra];
            if (cookie !== null) headers.push(['cookie', cookie]);
            return { method: 'GET', path: `/oauth/authorize${encodeQuery(params, raw)}`, headers };
          }),
        exercise,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'the sign-in, consent and account pages answer any form or cookie with a page or a redirect',
    () => {
      const cookie = fc.oneof(
        fc.constant(undefined),
        fc.constant(fx.csrfCookie),
        fc.constant(`${fx.csrfCookie}; ${fx.sessionCookie}`),
        fc.constantFrom(
          'portcullis_csrf=junk',
          'portcullis_csrf=s%3Aabc.def; portcullis_session=s%3A%ff.%',
          '=;;=; ;',
          `${fx.csrfCookie}; ${fx.csrfCookie}x`,
        ),
        nastyString.map((junk) => headerSafe(`${fx.csrfCookie}; portcullis_session=${junk}`)),
      );
      const params = paramsOf({
        csrf_token: valueFrom([fx.csrfToken]),
        username: valueFrom(['alice', 'victim']),
        password: valueFrom([PASSWORD, 'wrong']),
        request: valueFrom(fx.pendingRequests),
        decision: valueFrom(['allow', 'deny']),
        client_id: valueFrom(fx.clientIds),
      });
      const post = bodyRequest(
        fc.constantFrom('/login', '/consent', '/account/consents/revoke', '/logout'),
        params,
        { authorization: fc.constant(undefined), cookie },
      );
      const get = fc
        .record({
          path: fc.constantFrom('/login', '/consent', '/account/consents', '/login/feishu/'),
          tail: nastyString.map(pathSafe),
          params,
          raw: fc.boolean(),
          cookie,
          extra: strangeHeaders,
        })
        .map(({ path, tail, params, raw, cookie, extra }): RawRequest => {
          const headers: [string, string][] = [...extra];
          if (cookie !== undefined) headers.push(['cookie', cookie]);
          const target = path.endsWith('/') ? `${path}${tail || 'x'}` : path;
          return { method: 'GET', path: `${target}${encodeQuery(params, raw)}`, headers };
        });
      return fuzz(fc.oneof(post, get), exercise);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'metadata, health, unknown paths and odd methods get a 2xx or an RFC-shaped 4xx',
    () =>
      fuzz(
        fc
          .record({
            method: fc.oneof(fc.constant('GET'), oddMethod, fc.constant('POST')),
            prefix: fc.constantFrom(
              '/.well-known/oauth-authorization-server',
              '/.well-known/openid-configuration',
              '/.well-known/jwks.json',
              '/.well-known/',
              '/health',
              '/metrics',
              '/docs',
              '/docs/openapi.json',
              '/assets/portcullis.css',
              '/oauth/',
              '/admin/',
              '/upstream/',
              '/account/',
              '/',
            ),
            tail: fc.option(nastyString.map(pathSafe)),
            query: fc.option(fc.array(fc.tuple(nastyString, nastyString), { maxLength: 3 })),
            raw: fc.boolean(),
            authorization: authorizationHeader(fx.validAuthorization),
            extra: strangeHeaders,
          })
          .map(({ method, prefix, tail, query, raw, authorization, extra }): RawRequest => {
            const headers: [string, string][] = [...extra];
            if (authorization !== undefined) headers.push(['authorization', authorization]);
            const path = `${prefix}${tail ?? ''}${encodeQuery(query ?? [], raw)}`;
            return { method, path: path.startsWith('/') ? path : `/${path}`, headers };
          }),
        exercise,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a body past the limit is refused with 413, whatever its type',
    () =>
      fuzz(
        fc.record({
          path: fc.constantFrom(...POST_ROUTES),
          size: fc.integer({ min: BODY_LIMIT_BYTES + 1, max: 4 * BODY_LIMIT_BYTES }),
          contentType: fc.constantFrom(
            'application/x-www-form-urlencoded',
            'application/json',
            'text/plain',
            'application/json; charset=utf-8',
          ),
          authorization: authorizationHeader([fx.adminBearer, ...fx.validAuthorization]),
        }),
        async ({ path, size, contentType, authorization }) => {
          const body = contentType.startsWith('application/json')
            ? Buffer.from(`{"client_name":"${'a'.repeat(size)}"}`)
            : Buffer.from(`grant_type=${'a'.repeat(size)}`);
          const headers: [string, string][] = [['content-type', contentType]];
          if (authorization !== undefined) headers.push(['authorization', authorization]);
          await fuzzer.exercise(
            surfaceOf('POST', path),
            { method: 'POST', path, headers, body },
            { status: 413 },
          );
        },
      ),
    PROPERTY_TIMEOUT_MS,
  );

  // Each hole the fuzzer found, kept as a plain example next to the properties.
  describe('regressions found by the fuzzer', () => {
    const form = (path: string, body: string, authorization?: string): RawRequest => ({
      method: 'POST',
      path,
      headers: [
        ['content-type', 'application/x-www-form-urlencoded'],
        ...(authorization ? [['authorization', authorization] as [string, string]] : []),
      ],
      body: Buffer.from(body),
    });
    const authorizeQuery = (extra: Record<string, string>, repeated: Params = []) =>
      `/oauth/authorize?${new URLSearchParams([
        ...Object.entries({
          client_id: fx.publicClient.client_id,
          response_type: 'code',
          redirect_uri: PUBLIC_REDIRECT_URI,
          code_challenge: PKCE_CHALLENGE,
          code_challenge_method: 'S256',
          ...extra,
        }),
        ...repeated,
      ]).toString()}`;
    const pendingRequests = async () =>
      Number(
        (await t.db.query<{ n: string }>('SELECT count(*) AS n FROM authorization_requests'))[0].n,
      );

    it('a JSON body nested thousands deep is a 400, not a stack overflow (500)', async () => {
      for (const body of [deeplyNested(5000, 'array'), `{"jwks":${deeplyNested(5000, 'mixed')}}`]) {
        await fuzzer.exercise(
          'api',
          {
            method: 'POST',
            path: '/admin/clients',
            headers: [
              ['authorization', fx.adminBearer],
              ['content-type', 'application/json'],
            ],
            body: Buffer.from(body),
          },
          { status: 400, error: 'invalid_client_metadata' },
        );
      }
      const clients = await t.db.query('SELECT 1 FROM clients WHERE client_name IS NULL');
      expect(clients).toEqual([]);
    });

    it('a NUL in an identifier is a 400, not a database error (500)', async () => {
      await fuzzer.exercise(
        'page',
        { method: 'GET', path: '/oauth/authorize?client_id=x%00' },
        { status: 400 },
      );
      await fuzzer.exercise('page', { method: 'GET', path: '/login/feishu/%00' }, { status: 400 });
      await fuzzer.exercise(
        'api',
        {
          method: 'POST',
          path: '/admin/clients/%00/disable',
          headers: [['authorization', fx.adminBearer]],
        },
        { status: 400, error: 'invalid_request' },
      );
      await fuzzer.exercise(
        'api',
        form('/oauth/token', 'grant_type=client_credentials&client_id=a%00b&client_secret=x'),
        { status: 400, error: 'invalid_request' },
      );
    });

    it('a NUL in state goes back to the client as invalid_request, not server_error', async () => {
      const before = await pendingRequests();
      const answer = await fuzzer.exercise('page', {
        method: 'GET',
        path: authorizeQuery({ state: 'a\u0000b' }),
      });
      expect(answer.status).toBe(302);
      const location = new URL(String(answer.headers.location));
      expect(`${location.origin}${location.pathname}`).toBe(PUBLIC_REDIRECT_URI);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(await pendingRequests()).toBe(before);
    });

    it('a repeated parameter that the grant does not read is refused too (RFC 6749 §3.1)', async () => {
      const client = basicAuth(fx.confidential.client_id, fx.confidential.client_secret!);
      for (const body of [
        'grant_type=client_credentials&code=a&code=b',
        'grant_type=client_credentials&foo=1&foo=2',
        'grant_type=client_credentials&scope=read&scope=read',
      ]) {
        await fuzzer.exercise('api', form('/oauth/token', body, client), {
          status: 400,
          error: 'invalid_request',
        });
      }
    });

    it('a repeated prompt is refused, not read as no prompt at all (RFC 6749 §3.1)', async () => {
      const answer = await fuzzer.exercise('page', {
        method: 'GET',
        path: authorizeQuery({}, [
          ['prompt', 'none'],
          ['prompt', 'none'],
        ]),
      });
      expect(answer.status).toBe(302);
      expect(new URL(String(answer.headers.location)).searchParams.get('error')).toBe(
        'invalid_request',
      );
    });

    it('prompt=none without a session stores no authorization request', async () => {
      const before = await pendingRequests();
      const answer = await fuzzer.exercise('page', {
        method: 'GET',
        path: authorizeQuery({ prompt: 'none', state: 'p' }),
      });
      expect(new URL(String(answer.headers.location)).searchParams.get('error')).toBe(
        'login_required',
      );
      expect(await pendingRequests()).toBe(before);
    });

    it('what Fastify refuses before a page handler runs is still an error page', async () => {
      const login = (contentType: string, body: Buffer): RawRequest => ({
        method: 'POST',
        path: '/login',
        headers: [
          ['content-type', contentType],
          ['cookie', fx.csrfCookie],
        ],
        body,
      });
      await fuzzer.exercise('page', login('application/vnd.api+json', Buffer.from('{}')), {
        status: 415,
      });
      await fuzzer.exercise(
        'page',
        login('application/x-www-form-urlencoded', Buffer.alloc(BODY_LIMIT_BYTES + 1, 'a')),
        { status: 413 },
      );
      await fuzzer.exercise('page', login('application/json', Buffer.from('{"a":')), {
        status: 400,
      });
    });

    it('a request Node cannot parse still gets an RFC 6749 error', async () => {
      await fuzzer.exercise(
        'api',
        { method: 'GET', path: '/health', headers: [['x-oversized', 'h'.repeat(20 * 1024)]] },
        { status: 431, error: 'invalid_request' },
      );
      await fuzzer.exercise(
        'api',
        { method: 'GET', path: '/oauth/authorize?client_id=\u00e9' },
        { status: 400, error: 'invalid_request' },
      );
    });
  });

  // Last: with the admin token, successful requests change clients, users and keys.
  it(
    'the admin API answers any JSON (random, deeply nested, malformed) with a 2xx or an RFC 7591-style error',
    () => {
      // Only the victims: the other fixtures must stay as the other properties left them.
      const ids = valueFrom([fx.victimClient.client_id, fx.victimUserId]).map(pathSafe);
      const known = fc.dictionary(
        fc.constantFrom(
          'client_name',
          'redirect_uris',
          'grant_types',
          'response_types',
          'scope',
          'token_endpoint_auth_method',
          'jwks',
          'username',
          'password',
          'email',
          'disabled',
          'name',
          'provider',
          'settings',
          'secrets',
          'external_id',
          'connection',
        ),
        jsonValue,
        { maxKeys: 4 },
      );
      const body = fc.oneof(
        known.map((value) => JSON.stringify(value)),
        jsonValue.map((value) => JSON.stringify(value) ?? 'null'),
        fc
          .tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom('array', 'object', 'mixed'))
          .map(([depth, shape]) => deeplyNested(depth, shape)),
        fc
          .tuple(
            fc.constantFrom('client_name', 'redirect_uris', 'jwks', 'settings'),
            fc.integer({ min: 100, max: 5000 }),
          )
          .map(([field, depth]) => `{"${field}":${deeplyNested(depth, 'mixed')}}`),
        fc.constantFrom(
          '{"__proto__":{"admin":true}}',
          '{"constructor":{"prototype":{}}}',
          '',
          '{',
          'null',
          '[]',
        ),
      );
      return fuzz(
        fc
          .record({
            method: fc.constantFrom('POST', 'PATCH', 'PUT', 'DELETE', 'GET'),
            route: fc.constantFrom(
              '/admin/clients',
              '/admin/clients/:id',
              '/admin/clients/:id/secret',
              '/admin/clients/:id/disable',
              '/admin/users',
              '/admin/users/:id',
              '/admin/users/:id/upstream-identities',
              '/admin/upstreams',
              '/admin/upstreams/:id',
              '/admin/keys/rotate',
              '/admin/audit-events',
            ),
            id: ids,
            body,
            contentType: fc.constantFrom(
              'application/json',
              'application/json; charset=utf-8',
              'application/x-www-form-urlencoded',
              'text/plain',
              undefined,
            ),
            query: fc.option(
              fc.array(
                fc.tuple(
                  fc.constantFrom('limit', 'offset', 'type', 'since', 'client_id'),
                  nastyString,
                ),
                { maxLength: 3 },
              ),
            ),
          })
          .map(({ method, route, id, body, contentType, query }): RawRequest => {
            const headers: [string, string][] = [['authorization', fx.adminBearer]];
            if (contentType !== undefined) headers.push(['content-type', contentType]);
            const path = route.replace(':id', id || 'x') + encodeQuery(query ?? [], false);
            return {
              method,
              path,
              headers,
              body: method === 'GET' || method === 'DELETE' ? undefined : Buffer.from(body),
            };
          }),
        exercise,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
