import { Client } from '../../clients/client.entity.js';
import type { TokenMinter } from '../../tokens/token-minter.service.js';
import { AuthorizationRequest } from '../authorization-request.entity.js';
import { TokenResponseType } from './token.response-type.js';
import { Scope } from '../../common/scope.js';
import type { TokenAudience } from '../../tokens/token-audience.js';
import { TEST_ISSUER, targetsOf } from '../../../test/support/client-targets.js';

const client = Object.assign(new Client(), {
  clientId: 'spa',
  scope: 'notes:read',
  resourceScopes: {},
  defaultResource: null,
});
const audience = { for: () => Promise.resolve(targetsOf(client)) } as unknown as TokenAudience;
const consented = {
  request: Object.assign(new AuthorizationRequest(), { responseType: 'token', resources: [] }),
  client,
  user: { userId: 'u1', username: 'alice', authTime: new Date(0) },
  scopes: ['notes:read'],
  ip: '127.0.0.1',
};

/** A minter answering `response`, recording what it was asked to mint. */
function minter(response: Record<string, unknown>) {
  const minted: unknown[] = [];
  const mint = (request: unknown) => {
    minted.push(request);
    return Promise.resolve({ response, jti: 'j1', expiresAt: 0 });
  };
  return { minted, minter: { mint } as unknown as TokenMinter };
}

describe('TokenResponseType', () => {
  it('answers an access token minted for the implicit grant, without a refresh token', async () => {
    const { minted, minter: fake } = minter({
      access_token: 'ey.a.b',
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'notes:read',
    });
    const handler = new TokenResponseType(fake, audience);
    await expect(handler.answer(consented)).resolves.toEqual({
      access_token: 'ey.a.b',
      token_type: 'Bearer',
      expires_in: '900',
      scope: 'notes:read',
    });
    expect(minted).toEqual([
      {
        grantType: 'implicit',
        client,
        user: { id: 'u1', username: 'alice' },
        grant: { resources: [], items: Scope.of(['notes:read']) },
        access: { audience: TEST_ISSUER, scope: Scope.of(['notes:read']), ttl: 900 },
        ip: '127.0.0.1',
      },
    ]);
  });

  it('answers an empty scope when the token has none', async () => {
    const { minter: fake } = minter({
      access_token: 'ey.a.b',
      token_type: 'Bearer',
      expires_in: 900,
    });
    const handler = new TokenResponseType(fake, audience);
    await expect(handler.answer(consented)).resolves.toMatchObject({ scope: '' });
  });

  it('answers in the fragment, for clients registered for implicit, with no code', () => {
    expect(new TokenResponseType({} as TokenMinter, audience)).toMatchObject({
      responseType: 'token',
      grantType: 'implicit',
      responseMode: 'fragment',
      issuesCode: false,
    });
  });
});
