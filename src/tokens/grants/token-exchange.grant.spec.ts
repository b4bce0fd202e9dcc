import { TOKEN_EXCHANGE_GRANT } from '../../clients/client-metadata.rules.js';
import { Client } from '../../clients/client.entity.js';
import type { RegisteredApi } from '../../apis/registered-api.entity.js';
import { refused } from '../../../test/support/refused.js';
import { targetsOf } from '../../../test/support/client-targets.js';
import type { AccessTokenClaims, AccessTokenClaimsReader } from '../access-token-claims.js';
import type { AccessTokenLiveness, Liveness } from '../access-token-liveness.js';
import type { MintRequest, TokenMinter } from '../token-minter.service.js';
import type { TokenAudience } from '../token-audience.js';
import { TokenRequest } from '../token-request.js';
import { ACCESS_TOKEN_TYPE, TokenExchangeGrant } from './token-exchange.grant.js';

// The grant's own part: reading the request, and what it asks the minter for. The e2e spec
// (test/e2e/token-exchange.e2e-spec.ts) runs it against real tokens.
const NOTES = 'https://notes.test';
const STORAGE = 'https://storage.test';
const api = (identifier: string, scopes: string[], ttl: number) =>
  ({
    identifier,
    scopes: scopes.map((value) => ({ value, description: value })),
    accessTokenTtl: ttl,
  }) as RegisteredApi;
const catalog = new Map([
  [NOTES, api(NOTES, ['read'], 600)],
  [STORAGE, api(STORAGE, ['read', 'write'], 600)],
]);

const clientWith = (changes: Partial<Client> = {}) =>
  Object.assign(new Client(), {
    clientId: 'notes-service',
    scope: '',
    grantTypes: [TOKEN_EXCHANGE_GRANT],
    tokenEndpointAuthMethod: 'client_secret_basic',
    resourceScopes: { [NOTES]: '', [STORAGE]: 'read write' },
    defaultResource: NOTES,
    tokenExchangeImpersonation: false,
    ...changes,
  });

const now = () => Math.floor(Date.now() / 1000);
const userClaims = (changes: Partial<AccessTokenClaims> = {}): AccessTokenClaims => ({
  jti: 'subject-jti',
  iat: now(),
  exp: now() + 300,
  sub: 'user-1',
  username: 'ivy',
  client_id: 'app',
  aud: NOTES,
  scope: 'read',
  ...changes,
});

function grantWith(tokens: Record<string, AccessTokenClaims>, liveness: Liveness = 'live') {
  const minted: MintRequest[] = [];
  const reader = {
    read: (token: string) => Promise.resolve(tokens[token]),
  } as unknown as AccessTokenClaimsReader;
  const live = { check: () => Promise.resolve(liveness) } as unknown as AccessTokenLiveness;
  const audience = {
    for: (client: Client) => Promise.resolve(targetsOf(client, catalog)),
  } as unknown as TokenAudience;
  const minter = {
    mint: (request: MintRequest) => {
      minted.push(request);
      return Promise.resolve({
        response: { access_token: 'new', token_type: 'Bearer', expires_in: 1, scope: 'read' },
      });
    },
  } as unknown as TokenMinter;
  return { grant: new TokenExchangeGrant(reader, live, audience, minter), minted };
}

const request = (params: Record<string, string>) =>
  new TokenRequest(
    {
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: 'subject',
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: STORAGE,
      ...params,
    },
    '127.0.0.1',
  );

describe('TokenExchangeGrant', () => {
  it('refuses a public client even if it were registered for the grant', async () => {
    const { grant } = grantWith({ subject: userClaims() });
    const error = await refused(() =>
      grant.validate(request({}), clientWith({ tokenEndpointAuthMethod: 'none' })),
    );
    expect(error.error).toBe('unauthorized_client');
  });

  it('takes actor_token_type only with an actor_token', async () => {
    const { grant } = grantWith({ subject: userClaims() });
    const error = await refused(() =>
      grant.validate(request({ actor_token_type: ACCESS_TOKEN_TYPE }), clientWith()),
    );
    expect(error.error).toBe('invalid_request');
  });

  it('falls back to the default_resource, which must not be the issuer', async () => {
    const { grant } = grantWith({ subject: userClaims() });
    const noTarget = new TokenRequest(
      { subject_token: 'subject', subject_token_type: ACCESS_TOKEN_TYPE },
      '127.0.0.1',
    );
    const servesNotesToo = clientWith({ resourceScopes: { [NOTES]: 'read', [STORAGE]: 'read' } });
    await expect(grant.validate(noTarget, servesNotesToo)).resolves.toMatchObject({
      access: { audience: NOTES },
    });
    const error = await refused(() =>
      grant.validate(noTarget, clientWith({ defaultResource: null })),
    );
    expect(error.error).toBe('invalid_target');
  });

  it('impersonating a delegated token keeps its chain: a chain is never laundered', async () => {
    const { grant, minted } = grantWith({
      subject: userClaims({ act: { sub: 'gateway' } }),
    });
    const client = clientWith({ tokenExchangeImpersonation: true });
    await grant.issue(await grant.validate(request({}), client), client, undefined);
    expect(minted[0].claims).toEqual({ act: { sub: 'gateway' } });
    expect(minted[0].event?.details).toMatchObject({ impersonation: true });
  });

  it("exchanges a client's own token for the same subject, with no user", async () => {
    const { grant, minted } = grantWith({
      subject: userClaims({ sub: 'batch-job', username: undefined, client_id: 'batch-job' }),
    });
    const client = clientWith();
    const response = await grant.issue(
      await grant.validate(request({}), client),
      client,
      undefined,
    );
    expect(response.issued_token_type).toBe(ACCESS_TOKEN_TYPE);
    expect(minted[0]).toMatchObject({
      subject: 'batch-job',
      claims: { act: { sub: 'notes-service' } },
      access: { audience: STORAGE },
    });
    expect(minted[0].user).toBeUndefined();
    expect(minted[0].ttl).toBeLessThanOrEqual(300);
  });

  it('refuses a subject token that expires before the new one could be signed', async () => {
    const { grant, minted } = grantWith({ subject: userClaims({ exp: now() }) });
    const client = clientWith();
    const validated = await grant.validate(request({}), client);
    expect((await refused(() => grant.issue(validated, client, undefined))).error).toBe(
      'invalid_request',
    );
    expect(minted).toEqual([]);
  });

  it('refuses a subject token that is not live', async () => {
    const { grant } = grantWith({ subject: userClaims() }, 'revoked');
    expect((await refused(() => grant.validate(request({}), clientWith()))).error).toBe(
      'invalid_request',
    );
  });
});
