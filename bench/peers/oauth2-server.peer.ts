/**
 * Peer server for the benchmark: @node-oauth/oauth2-server behind express 5, with an in-memory
 * model (Maps) and argon2id password hashes made with Portcullis's own options.
 *
 *   PORT=4002 node dist/bench/peers/oauth2-server.peer.js
 *
 * See bench/peers/README.md for the client, the users and the endpoints.
 */
import OAuth2Server from '@node-oauth/oauth2-server';
import { hash, verify } from '@node-rs/argon2';
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ARGON2_OPTIONS } from '../../src/users/password-hasher.service.js';

const PORT = Number(process.env.PORT ?? 4002);
const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-secret';
const USER_COUNT = 200;
const USER_PASSWORD = 'bench-password';
// Lifetimes as Portcullis's defaults (ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL).
const ACCESS_TOKEN_TTL = 900;
const REFRESH_TOKEN_TTL = 2_592_000;

// --- the in-memory model ----------------------------------------------------------------------

interface BenchClient extends OAuth2Server.Client {
  secret: Buffer;
  scopes: string[];
}

interface BenchUser extends OAuth2Server.User {
  id: string;
  username: string;
  passwordHash: string;
}

const clients = new Map<string, BenchClient>([
  [
    CLIENT_ID,
    {
      id: CLIENT_ID,
      secret: Buffer.from(CLIENT_SECRET),
      grants: ['client_credentials', 'password', 'refresh_token'],
      scopes: ['api:read'],
    },
  ],
]);
const users = new Map<string, BenchUser>();
const accessTokens = new Map<string, OAuth2Server.Token>();
const refreshTokens = new Map<string, OAuth2Server.RefreshToken>();
/** Verified against when the user does not exist, so a miss costs what a hit does. */
let decoyHash = '';

function secretMatches(expected: Buffer, given: string): boolean {
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const model: OAuth2Server.ClientCredentialsModel &
  OAuth2Server.PasswordModel &
  OAuth2Server.RefreshTokenModel = {
  getClient(clientId, clientSecret) {
    const client = clients.get(clientId);
    if (!client || typeof clientSecret !== 'string') return Promise.resolve(false);
    return Promise.resolve(secretMatches(client.secret, clientSecret) ? client : false);
  },

  async getUser(username, password) {
    const user = users.get(username);
    const ok = await verify(user?.passwordHash ?? decoyHash, password).catch(() => false);
    return user && ok ? user : false;
  },

  getUserFromClient(client) {
    return Promise.resolve({ id: client.id });
  },

  validateScope(_user, client, scope) {
    const allowed = (client as BenchClient).scopes;
    if (!scope?.length) return Promise.resolve(allowed);
    return Promise.resolve(scope.every((s) => allowed.includes(s)) ? scope : false);
  },

  saveToken(token, client, user) {
    const saved: OAuth2Server.Token = { ...token, client, user };
    accessTokens.set(token.accessToken, saved);
    if (token.refreshToken) {
      refreshTokens.set(token.refreshToken, {
        refreshToken: token.refreshToken,
        refreshTokenExpiresAt: token.refreshTokenExpiresAt,
        scope: token.scope,
        client,
        user,
      });
    }
    return Promise.resolve(saved);
  },

  getAccessToken(accessToken) {
    return Promise.resolve(accessTokens.get(accessToken) ?? false);
  },

  getRefreshToken(refreshToken) {
    return Promise.resolve(refreshTokens.get(refreshToken) ?? false);
  },

  // Rotation: the used refresh token is gone; a second use finds nothing (invalid_grant).
  revokeToken(token) {
    return Promise.resolve(refreshTokens.delete(token.refreshToken));
  },
};

const oauth = new OAuth2Server({
  model,
  accessTokenLifetime: ACCESS_TOKEN_TTL,
  refreshTokenLifetime: REFRESH_TOKEN_TTL,
  alwaysIssueNewRefreshToken: true,
});

async function seedUsers(): Promise<void> {
  decoyHash = await hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS);
  for (let i = 1; i <= USER_COUNT; i += 1) {
    const username = `user${i}`;
    const passwordHash = await hash(USER_PASSWORD, ARGON2_OPTIONS);
    users.set(username, { id: username, username, passwordHash });
  }
}

// --- HTTP -------------------------------------------------------------------------------------

const app = express();
app.disable('x-powered-by');
app.use(express.urlencoded({ extended: false }));

app.get('/ready', (_req, res) => {
  res.json({ ok: true });
});

app.post('/oauth/token', async (req: Request, res: Response) => {
  const request = new OAuth2Server.Request(req);
  const response = new OAuth2Server.Response(res);
  try {
    await oauth.token(request, response);
  } catch (error) {
    // What the handler writes into `response` itself, also for errors raised before it does.
    if (!(error instanceof OAuth2Server.OAuthError)) throw error;
    response.status = error.code;
    response.body = { error: error.name, error_description: error.message };
  }
  res
    .status(response.status ?? 200)
    .set(response.headers ?? {})
    .json(response.body);
});

app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  console.error(error);
  res.status(500).json({ error: 'server_error' });
});

await seedUsers();
const server = app.listen(PORT, '127.0.0.1', (error?: Error) => {
  if (error) throw error;
  console.log(`oauth2-server peer ready on http://127.0.0.1:${PORT} (${USER_COUNT} users)`);
});

process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 5000).unref();
});
