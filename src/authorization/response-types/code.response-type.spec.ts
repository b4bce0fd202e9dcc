import { Client } from '../../clients/client.entity.js';
import type { AuthorizationCodeStore } from '../../tokens/authorization-code.store.js';
import { AuthorizationRequest } from '../authorization-request.entity.js';
import { CodeResponseType } from './code.response-type.js';

const authTime = new Date(0);
const request = Object.assign(new AuthorizationRequest(), {
  responseType: 'code',
  redirectUri: 'https://app.example.com/cb',
  redirectUriGiven: true,
  nonce: 'n-1',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  codeChallengeMethod: 'S256' as const,
});
const client = Object.assign(new Client(), { clientId: 'web' });

describe('CodeResponseType', () => {
  it('answers a code bound to the request, its user and its PKCE challenge', async () => {
    const issued: unknown[] = [];
    const issue = (grant: unknown) => {
      issued.push(grant);
      return Promise.resolve('the-code');
    };
    const handler = new CodeResponseType({ issue } as unknown as AuthorizationCodeStore);
    const answer = await handler.answer({
      request,
      client,
      user: { userId: 'u1', username: 'alice', authTime },
      scopes: ['openid'],
      ip: '127.0.0.1',
    });
    expect(answer).toEqual({ code: 'the-code' });
    expect(issued).toEqual([
      {
        clientId: 'web',
        userId: 'u1',
        redirectUri: 'https://app.example.com/cb',
        redirectUriGiven: true,
        scopes: ['openid'],
        nonce: 'n-1',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        codeChallengeMethod: 'S256',
        authTime,
      },
    ]);
  });

  it('answers in the query, for the authorization_code grant, with PKCE', () => {
    const handler = new CodeResponseType({} as AuthorizationCodeStore);
    expect(handler).toMatchObject({
      responseType: 'code',
      grantType: 'authorization_code',
      responseMode: 'query',
      issuesCode: true,
    });
  });
});
