/**
 * What the bench sets up in a fresh Portcullis through its admin API: one client per kind of
 * row, and the users the password and refresh rows log in as.
 */
import { basic, call, expectStatus } from './http.js';
import type { RefreshChains } from './refresh-chains.js';
import { inBatches } from './requests.js';
import { ROWS, SETUP_PARALLEL, USER_COUNT, USER_PASSWORD } from './settings.js';

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

export interface PortcullisSetup {
  cc: Credentials;
  password: Credentials;
  sibling: Credentials;
  /** The refresh row's chains: they live in the database, so they outlast a server's start. */
  chains?: RefreshChains;
}

async function registerClient(
  issuer: string,
  admin: string,
  metadata: object,
): Promise<Credentials> {
  const answer = expectStatus(
    await call(`${issuer}/admin/clients`, { authorization: `Bearer ${admin}`, json: metadata }),
    201,
    'POST /admin/clients',
  );
  return {
    clientId: answer.json.client_id as string,
    clientSecret: answer.json.client_secret as string,
  };
}

/** Sets up a fresh Portcullis at `issuer`, with the admin client of its environment `env`. */
export async function setUpPortcullis(
  issuer: string,
  env: Record<string, string>,
): Promise<PortcullisSetup> {
  const admin = expectStatus(
    await call(`${issuer}/oauth/token`, {
      authorization: basic(env.ADMIN_CLIENT_ID, env.ADMIN_CLIENT_SECRET),
      form: { grant_type: 'client_credentials', scope: 'admin' },
    }),
    200,
    'admin token',
  ).json.access_token as string;
  const cc = await registerClient(issuer, admin, {
    client_name: 'bench client_credentials',
    grant_types: ['client_credentials'],
    scope: 'api:read',
    token_endpoint_auth_method: 'client_secret_basic',
  });
  const password = await registerClient(issuer, admin, {
    client_name: 'bench password + refresh',
    grant_types: ['password', 'refresh_token'],
    scope: 'api:read',
    token_endpoint_auth_method: 'client_secret_basic',
  });
  const sibling = await registerClient(issuer, admin, {
    client_name: 'bench sibling caller',
    grant_types: ['client_credentials'],
    scope: 'notes:read',
    token_endpoint_auth_method: 'client_secret_basic',
  });
  if (ROWS.has('password') || ROWS.has('refresh')) {
    const started = Date.now();
    await inBatches(USER_COUNT, SETUP_PARALLEL, async (i) => {
      expectStatus(
        await call(`${issuer}/admin/users`, {
          authorization: `Bearer ${admin}`,
          json: { username: `user${i + 1}`, password: USER_PASSWORD },
        }),
        201,
        'POST /admin/users',
      );
    });
    console.log(
      `  (${USER_COUNT} users created in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  return { cc, password, sibling };
}
