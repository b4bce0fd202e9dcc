import type { Credentials, HttpResponse } from '../support/http-client.js';
import { adminAuth, basic, createUser, registerClient, type Registered } from '../support/flows.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

/** What must never reach a client: stack frames, source paths, SQL and driver names. */
const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\bat \S+ \(|^\s*at \S/m],
  ['node_modules', /node_modules/],
  ['a source path', /\.(ts|js):\d/],
  ['QueryFailedError', /QueryFailedError/],
  ['SELECT', /\bSELECT\b/],
  ['INSERT', /\bINSERT\b/],
  ['syntax error', /syntax error/i],
  ['a relation name', /relation "/],
  ['TypeORM', /typeorm/i],
  ['pg', /\bpg\b/],
];

/** Strings that break out of a quoted SQL literal, or that PostgreSQL cannot store, by name. */
const HOSTILE: [string, string][] = [
  ['a quote and OR 1=1', `' OR 1=1 --`],
  ['a quote and DROP TABLE', `'; DROP TABLE users; --`],
  ['double quotes', `" OR ""="`],
  ['an escaped quote', `\\'; --`],
  ['a NUL character', 'a\u0000b'],
  ['a percent-encoded NUL', '%00'],
  ['a lone surrogate', '\uD800'],
  ['100000 characters', 'x'.repeat(100_000)],
];

/** A hostile value in every string field of a body, one field at a time. */
function everyStringField(
  base: Record<string, unknown>,
  fields: string[],
): [string, Record<string, unknown>][] {
  return fields.flatMap((field) =>
    HOSTILE.map(([name, value]): [string, Record<string, unknown>] => [
      `${field} = ${name}`,
      { ...base, [field]: Array.isArray(base[field]) ? [value] : value },
    ]),
  );
}

describe('error answers never show a stack trace or SQL', () => {
  let t: SecurityApp;
  let admin: Credentials;
  let app: Registered;
  let userId: string;

  beforeAll(async () => {
    t = await startSecurityApp();
    admin = await adminAuth(t);
    app = await registerClient(t, admin, {
      grant_types: ['password', 'refresh_token', 'client_credentials'],
      scope: 'read',
    });
    userId = (await createUser(t, admin, { username: 'ora', password: 'correct horse battery' }))
      .id;
  });
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  /** A clean RFC-shaped 4xx. */
  const expectCleanRefusal = (res: HttpResponse, label: string) => {
    const problems: string[] = [];
    if (res.status < 400 || res.status > 499) problems.push(`status ${res.status}`);
    if (!/^application\/json/.test(res.headers.get('content-type') ?? ''))
      problems.push(`content-type ${res.headers.get('content-type')}`);
    const body = res.body as Record<string, unknown> | undefined;
    if (typeof body?.error !== 'string' || typeof body.error_description !== 'string')
      problems.push('not {error, error_description}');
    for (const [what, pattern] of LEAKS) if (pattern.test(res.text)) problems.push(`shows ${what}`);
    expect({ label, problems, body: res.text.slice(0, 300) }).toEqual({
      label,
      problems: [],
      body: res.text.slice(0, 300),
    });
  };
  const send = (method: string, path: string, body?: string, auth: Credentials = admin) =>
    t.http.request(method, path, {
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body,
      auth,
    });

  describe('the admin API', () => {
    it.each([
      ['malformed JSON', '{"client_name": '],
      ['JSON that is not an object', '"just a string"'],
      ['an array', '[1, 2, 3]'],
      ['null', 'null'],
      ['a wrong type (grant_types as a string)', '{"grant_types": "client_credentials"}'],
      ['a wrong type (scope as a number)', '{"scope": 12345}'],
      ['a wrong type (require_pkce as a string)', '{"require_pkce": "yes"}'],
      ['an unknown enum value (grant type)', '{"grant_types": ["telepathy"]}'],
      ['an unknown enum value (auth method)', '{"token_endpoint_auth_method": "magic"}'],
      ['an unknown field', '{"is_admin": true}'],
      ['a prototype-pollution field', '{"__proto__": {"admin": true}}'],
      ['nested garbage in jwks', '{"jwks": {"keys": [{"kty": "RSA", "n": 1e999}]}}'],
    ])('POST /admin/clients with %s', async (label, body) => {
      expectCleanRefusal(await send('POST', '/admin/clients', body), label);
    });

    it.each(
      everyStringField(
        { client_name: 'x', redirect_uris: ['https://a.example/cb'], scope: 'read' },
        [
          'client_name',
          'redirect_uris',
          'scope',
          'token_endpoint_auth_method',
          'allowed_cors_origins',
        ],
      ),
    )('POST /admin/clients with %s', async (label, body) => {
      const res = await send('POST', '/admin/clients', JSON.stringify(body));
      // Some hostile strings are acceptable client names; then the answer is a 201.
      if (res.status === 201) return;
      expectCleanRefusal(res, label);
    });

    it.each(
      everyStringField({ username: 'mallory', password: 'correct horse battery' }, [
        'username',
        'password',
        'email',
        'scope',
      ]),
    )('POST /admin/users with %s', async (label, body) => {
      const res = await send('POST', '/admin/users', JSON.stringify(body));
      if (res.status === 201) {
        await send('DELETE', `/admin/users/${(res.body as { id: string }).id}`);
        return;
      }
      expectCleanRefusal(res, label);
    });

    it.each(
      everyStringField({ name: 'up', provider: 'feishu', app_id: 'cli', app_secret: 'secret' }, [
        'name',
        'provider',
        'app_id',
        'app_secret',
        'base_url',
      ]),
    )('POST /admin/upstreams with %s', async (label, body) => {
      const res = await send('POST', '/admin/upstreams', JSON.stringify(body));
      if (res.status === 201) {
        await send('DELETE', `/admin/upstreams/${(res.body as { name: string }).name}`);
        return;
      }
      expectCleanRefusal(res, label);
    });

    it.each([
      ['a huge number', '{"name":"big","provider":"coze","token_duration":1e308}'],
      ['a float where an integer goes', '{"name":"big","provider":"coze","token_duration":1.5}'],
      ['a negative number', '{"name":"big","provider":"coze","token_duration":-1}'],
      ['an unknown provider', '{"name":"big","provider":"myspace"}'],
    ])('POST /admin/upstreams with %s', async (label, body) => {
      expectCleanRefusal(await send('POST', '/admin/upstreams', body), label);
    });

    const badIds = [
      'not-a-uuid',
      `' OR 1=1 --`,
      '00000000-0000-0000-0000-00000000000g',
      '%00',
      'a%00b',
      '%27%3B%20DROP%20TABLE%20users%3B%20--',
      '99999999999999999999999999999',
      '..%2f..%2fetc%2fpasswd',
    ];
    it.each(
      badIds.flatMap((id) => [
        ['GET', `/admin/users/${id}`],
        ['PATCH', `/admin/users/${id}`],
        ['DELETE', `/admin/users/${id}`],
        ['POST', `/admin/users/${id}/disable`],
        ['GET', `/admin/users/${id}/upstream-identities`],
        ['GET', `/admin/clients/${id}`],
        ['PATCH', `/admin/clients/${id}`],
        ['POST', `/admin/clients/${id}/secret`],
        ['DELETE', `/admin/clients/${id}`],
        ['GET', `/admin/upstreams/${id}`],
        ['DELETE', `/admin/upstreams/${id}`],
        ['DELETE', `/admin/users/${id}/upstream-identities/feishu/ou_1`],
        ['DELETE', `/admin/users/:user/upstream-identities/${id}/${id}`],
      ]),
    )('%s %s', async (method, path) => {
      const resolved = path.replace(':user', userId);
      const res = await send(method, resolved, method === 'PATCH' ? '{}' : undefined);
      expectCleanRefusal(res, `${method} ${resolved}`);
    });

    it.each([
      '?limit=-1',
      '?limit=0',
      '?limit=abc',
      '?limit=1e400',
      '?limit=101',
      '?limit=1.5',
      '?offset=-5',
      '?offset=123456789012345678901234567890',
      '?offset=NaN',
      '?limit=1&limit=2',
      `?limit=${encodeURIComponent(`1' OR 1=1 --`)}`,
    ])('pagination %s at the client, user and audit lists', async (query) => {
      for (const list of ['/admin/clients', '/admin/users', '/admin/audit-events']) {
        expectCleanRefusal(await send('GET', `${list}${query}`), `${list}${query}`);
      }
    });

    it.each([
      '?type=no.such.event',
      '?user_id=not-a-uuid',
      `?user_id=${encodeURIComponent(`' OR 1=1 --`)}`,
      `?client_id=${'x'.repeat(300)}`,
      '?since=yesterday',
      '?until=2024-13-45T99:99:99Z',
      '?since=%00',
    ])('audit filter %s', async (query) => {
      expectCleanRefusal(await send('GET', `/admin/audit-events${query}`), query);
    });
  });

  describe('the OAuth endpoints', () => {
    const form = (path: string, params: Record<string, string>, auth?: Credentials) =>
      t.http.form(path, params, auth);

    it.each(
      HOSTILE.flatMap(([name, value]) => [
        ['password', name, { grant_type: 'password', username: value, password: 'x' }],
        ['password', name, { grant_type: 'password', username: 'ora', password: value }],
        [
          'password',
          name,
          { grant_type: 'password', username: 'ora', password: 'p', scope: value },
        ],
        ['refresh_token', name, { grant_type: 'refresh_token', refresh_token: value }],
        [
          'authorization_code',
          name,
          { grant_type: 'authorization_code', code: value, redirect_uri: value },
        ],
        ['client_credentials', name, { grant_type: 'client_credentials', scope: value }],
        [
          'jwt-bearer',
          name,
          { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: value },
        ],
        ['an unknown grant', name, { grant_type: value }],
      ]),
    )('POST /oauth/token (%s) with %s', async (label, _name, params) => {
      expectCleanRefusal(await form('/oauth/token', params, basic(app)), label);
    });

    it.each(HOSTILE)('client authentication with client_id = %s', async (_name, value) => {
      const asBasic = await form(
        '/oauth/token',
        { grant_type: 'client_credentials' },
        {
          basic: [value, 'secret'],
        },
      );
      expectCleanRefusal(asBasic, 'basic');
      const inBody = await form('/oauth/token', {
        grant_type: 'client_credentials',
        client_id: value,
        client_secret: value,
      });
      expectCleanRefusal(inBody, 'body');
    });

    it.each([
      ['a JSON body', 'application/json', '{"grant_type":"client_credentials"}'],
      ['a malformed form', 'application/x-www-form-urlencoded', 'grant_type=%E0%A4%A&scope=%'],
      ['an unknown content type', 'text/xml', '<grant_type>password</grant_type>'],
      [
        'repeated parameters',
        'application/x-www-form-urlencoded',
        'grant_type=password&grant_type=client_credentials',
      ],
      [
        'duration_seconds huge',
        'application/x-www-form-urlencoded',
        'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c&duration_seconds=99999999999999999999',
      ],
    ])('POST /oauth/token with %s', async (label, type, body) => {
      const res = await t.http.request('POST', '/oauth/token', {
        headers: { 'content-type': type },
        body,
        auth: basic(app),
      });
      expectCleanRefusal(res, label);
    });

    it.each(HOSTILE)('introspection and revocation with client_id = %s', async (_name, value) => {
      for (const path of ['/oauth/introspect', '/oauth/revoke']) {
        expectCleanRefusal(
          await form(path, { token: 'x', client_id: value, client_secret: value }),
          path,
        );
      }
    });

    it('introspection and revocation without a token', async () => {
      for (const path of ['/oauth/introspect', '/oauth/revoke']) {
        expectCleanRefusal(await form(path, {}, basic(app)), path);
      }
    });

    it.each(HOSTILE)('userinfo with the bearer token = %s', async (_name, value) => {
      const res = await t.http.request('GET', '/oauth/userinfo', {
        // A header cannot carry a lone surrogate: it goes as U+FFFD, percent-encoded.
        headers: {
          authorization: `Bearer ${encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, '\uFFFD'))}`,
        },
      });
      expectCleanRefusal(res, 'userinfo');
    });
  });
});
