/**
 * Peer server for the benchmark: panva's oidc-provider, configured as it would be for production
 * (own ES256 signing key, own cookie keys, dev interactions off, and the defaults it asks to have
 * replaced — findAccount, TTLs, introspection policy, CORS — replaced for the flows used here),
 * mounted with its callback() on a plain node http server.
 *
 *   PORT=4001 TOKEN_FORMAT=jwt NODE_ENV=production node dist/bench/peers/oidc-provider.peer.js
 *
 * See bench/peers/README.md for the clients, endpoints and the /bench/* preparation routes.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
// @ts-expect-error -- oidc-provider 9 ships no type declarations; narrowed by ProviderClass below.
import ProviderExport, { errors as errorsExport } from 'oidc-provider';
// @ts-expect-error -- the library's own in-memory adapter (lib/, untyped); see storeAdapter().
import MemoryAdapterExport from 'oidc-provider/lib/adapters/memory_adapter.js';
// @ts-expect-error -- the LRU that adapter is built on (lib/, untyped); see storeAdapter().
import LruExport from 'oidc-provider/lib/helpers/lru.js';

// --- the narrow slice of oidc-provider this peer touches --------------------------------------

interface SavedModel {
  save(): Promise<string>;
}

interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  Client: { find(id: string): Promise<object | undefined> };
  Session: new (payload: { accountId: string; loginTs: number }) => {
    uid: string;
    grantIdFor(clientId: string, grantId: string): void;
    sidFor(clientId: string, sid?: string): string | undefined;
    ensureClientContainer(clientId: string): void;
    save(ttl: number): Promise<string>;
  };
  Grant: new (payload: { accountId: string; clientId: string }) => SavedModel & {
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
  };
  RefreshToken: new (payload: {
    accountId: string;
    client: object;
    grantId: string;
    gty: string;
    scope: string;
    resource: string;
    authTime: number;
    sessionUid: string;
    sid: string | undefined;
    expiresWithSession: boolean;
    rotations: number;
  }) => SavedModel;
}

type ProviderClass = new (issuer: string, configuration: object) => ProviderInstance;

interface TokenLike {
  clientId?: string;
}
interface ClientLike {
  clientId: string;
}

type AdapterFactory = (model: string) => unknown;
type MemoryAdapterClass = new (model: string, store: unknown, clockTolerance: number) => unknown;
type LruClass = new (options: { maxSize: number }) => unknown;

const Provider = ProviderExport as ProviderClass;
const { InvalidTarget } = errorsExport as { InvalidTarget: new (description?: string) => Error };
const MemoryAdapter = MemoryAdapterExport as MemoryAdapterClass;
const Lru = LruExport as LruClass;

// --- settings ---------------------------------------------------------------------------------

const PORT = Number(process.env.PORT ?? 4001);
const TOKEN_FORMAT = process.env.TOKEN_FORMAT ?? 'opaque';
if (TOKEN_FORMAT !== 'opaque' && TOKEN_FORMAT !== 'jwt') {
  throw new Error(`TOKEN_FORMAT must be "opaque" or "jwt", got "${TOKEN_FORMAT}"`);
}
/**
 * The library's default in-memory adapter keeps at most ~1000 entries (an LRU); under load that
 * evicts live tokens, so prepared refresh tokens vanish mid-run. The same adapter class over the
 * same LRU class, only larger, keeps the comparison honest. STORE_MAX_SIZE=0 uses the untouched
 * library default (it prints its own development-only warning).
 */
const STORE_MAX_SIZE = Number(process.env.STORE_MAX_SIZE ?? 1_000_000);
/**
 * Each prepared refresh token is ~5 store entries (grant, session and its uid index, the token,
 * the grant's member list) and each refresh adds ~4 more, so keep a batch well inside the store.
 */
const MAX_PREPARED = Math.floor((STORE_MAX_SIZE || 1000) / 10);
const ISSUER = `http://127.0.0.1:${PORT}`;
const RESOURCE = 'https://api.bench';
const API_SCOPE = 'api:read';
const ACCOUNT_ID = 'bench-user';
const REFRESH_CLIENT_ID = 'refresh-client';
const INTROSPECT_CLIENT_ID = 'introspect-client';

// Lifetimes as Portcullis's defaults (ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL, AUTH_CODE_TTL).
const ACCESS_TOKEN_TTL = 900;
const REFRESH_TOKEN_TTL = 2_592_000;
const AUTH_CODE_TTL = 60;

function signingJwks(): { keys: object[] } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    keys: [{ ...jwk, kid: randomBytes(8).toString('base64url'), alg: 'ES256', use: 'sig' }],
  };
}

function storeAdapter(): AdapterFactory | undefined {
  if (STORE_MAX_SIZE === 0) return undefined;
  const store = new Lru({ maxSize: STORE_MAX_SIZE });
  return (model) => new MemoryAdapter(model, store, 0);
}

const adapter = storeAdapter();
const provider = new Provider(ISSUER, {
  ...(adapter ? { adapter } : {}),
  jwks: signingJwks(),
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  clients: [
    {
      client_id: 'cc-client',
      client_secret: 'cc-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: API_SCOPE,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: REFRESH_CLIENT_ID,
      client_secret: 'refresh-secret',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/cb'],
      scope: `openid offline_access ${API_SCOPE}`,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: INTROSPECT_CLIENT_ID,
      client_secret: 'introspect-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: API_SCOPE,
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  clientDefaults: {
    grant_types: ['authorization_code'],
    id_token_signed_response_alg: 'ES256',
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  },
  scopes: ['openid', 'offline_access', API_SCOPE],
  findAccount: (_ctx: unknown, sub: string) => ({
    accountId: sub,
    claims: () => ({ sub }),
  }),
  // Every prepared refresh token is used once: the old one is consumed, its reuse is invalid_grant.
  rotateRefreshToken: true,
  // The default RefreshToken TTL reads the request context; fixed numbers work outside one too.
  ttl: {
    AccessToken: ACCESS_TOKEN_TTL,
    ClientCredentials: ACCESS_TOKEN_TTL,
    AuthorizationCode: AUTH_CODE_TTL,
    IdToken: ACCESS_TOKEN_TTL,
    RefreshToken: REFRESH_TOKEN_TTL,
    Grant: REFRESH_TOKEN_TTL,
    Session: REFRESH_TOKEN_TTL,
    Interaction: 3600,
  },
  // A request with an Origin header is not part of the bench; answer no CORS at all.
  clientBasedCORS: () => false,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // As Portcullis: the token's own client, or the client set up as a resource server.
      allowedPolicy: (_ctx: unknown, client: ClientLike, token: TokenLike) =>
        client.clientId === token.clientId || client.clientId === INTROSPECT_CLIENT_ID,
    },
    resourceIndicators: {
      enabled: true,
      // Without a `resource` parameter every token is for the one API, so `api:read` is granted.
      defaultResource: () => RESOURCE,
      // Refreshed access tokens stay bound to the API (and so are JWTs in jwt mode).
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx: unknown, resource: string) => {
        if (resource !== RESOURCE) throw new InvalidTarget(`unknown resource ${resource}`);
        return TOKEN_FORMAT === 'jwt'
          ? {
              scope: API_SCOPE,
              audience: RESOURCE,
              accessTokenTTL: ACCESS_TOKEN_TTL,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'ES256' } },
            }
          : {
              scope: API_SCOPE,
              audience: RESOURCE,
              accessTokenTTL: ACCESS_TOKEN_TTL,
              accessTokenFormat: 'opaque',
            };
      },
    },
  },
});

// --- preparation routes -----------------------------------------------------------------------

/**
 * What an authorization_code exchange leaves behind, made through the provider's own models:
 * a session for the account, the grant it gave refresh-client, and a refresh token on that grant.
 * The scope leaves out `openid` so that refreshing answers no ID token (Portcullis does not either).
 */
async function mintRefreshToken(client: object): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const grant = new provider.Grant({ accountId: ACCOUNT_ID, clientId: REFRESH_CLIENT_ID });
  grant.addOIDCScope('offline_access');
  grant.addResourceScope(RESOURCE, API_SCOPE);
  const grantId = await grant.save();

  const session = new provider.Session({ accountId: ACCOUNT_ID, loginTs: now });
  session.grantIdFor(REFRESH_CLIENT_ID, grantId);
  session.ensureClientContainer(REFRESH_CLIENT_ID);
  await session.save(REFRESH_TOKEN_TTL);

  return new provider.RefreshToken({
    accountId: ACCOUNT_ID,
    client,
    grantId,
    gty: 'authorization_code',
    scope: `offline_access ${API_SCOPE}`,
    resource: RESOURCE,
    authTime: now,
    sessionUid: session.uid,
    sid: session.sidFor(REFRESH_CLIENT_ID),
    expiresWithSession: false,
    rotations: 0,
  }).save();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}

async function handleBench(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ISSUER);
  if (req.method === 'GET' && url.pathname === '/bench/ready') {
    return sendJson(res, 200, { ok: true, tokenFormat: TOKEN_FORMAT });
  }
  if (req.method === 'POST' && url.pathname === '/bench/refresh-tokens') {
    req.resume(); // no body expected; drain whatever came
    const count = Number(url.searchParams.get('count') ?? 1);
    if (!Number.isInteger(count) || count < 1 || count > MAX_PREPARED) {
      return sendJson(res, 400, {
        error: `count must be an integer from 1 to ${MAX_PREPARED} (STORE_MAX_SIZE / 10)`,
      });
    }
    const client = await provider.Client.find(REFRESH_CLIENT_ID);
    if (!client) throw new Error(`${REFRESH_CLIENT_ID} is not configured`);
    const tokens: string[] = [];
    for (let i = 0; i < count; i += 1) tokens.push(await mintRefreshToken(client));
    return sendJson(res, 200, { refresh_tokens: tokens });
  }
  sendJson(res, 404, { error: 'not_found' });
}

// --- server -----------------------------------------------------------------------------------

const oidc = provider.callback();
const server = createServer((req, res) => {
  if (req.url?.startsWith('/bench/')) {
    handleBench(req, res).catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.destroy();
    });
    return;
  }
  oidc(req, res);
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(`oidc-provider peer ready on ${ISSUER} (access tokens: ${TOKEN_FORMAT})`);
});

process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 5000).unref();
});
