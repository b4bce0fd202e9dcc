import { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import type { ResponseTypeHandler } from '../response-types/response-type-handler.js';
import type { CheckedRequest } from './authorize-check.js';
import { checkPkce } from './check-pkce.js';
import { targetsOf } from '../../../test/support/client-targets.js';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

const handler = (issuesCode: boolean): ResponseTypeHandler => ({
  responseType: issuesCode ? 'code' : 'token',
  grantType: issuesCode ? 'authorization_code' : 'implicit',
  responseMode: issuesCode ? 'query' : 'fragment',
  issuesCode,
  answer: () => Promise.resolve({}),
});

const publicClient = Object.assign(new Client(), {
  tokenEndpointAuthMethod: 'none',
  requirePkce: true,
  allowPlainPkce: false,
});
const optionalPkce = Object.assign(new Client(), {
  tokenEndpointAuthMethod: 'client_secret_basic',
  requirePkce: false,
  allowPlainPkce: false,
});

const check = (
  query: Record<string, unknown>,
  client = publicClient,
  checked: Partial<CheckedRequest> = { responseType: handler(true) },
) =>
  checkPkce({ query, client, targets: targetsOf(client), checked, responseTypes: () => undefined });

describe('checkPkce', () => {
  it('binds a code to its S256 challenge', () => {
    expect(check({ code_challenge: CHALLENGE, code_challenge_method: 'S256' })).toEqual({
      pkce: { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' },
    });
  });

  it('binds no challenge for a client that does not require one and sent none', () => {
    expect(check({}, optionalPkce)).toEqual({ pkce: undefined });
  });

  it('refuses by the client’s PKCE rules, as a redirect', () => {
    const checking = () => check({});
    expect(checking).toThrow(OAuthError);
    expect(checking).toThrow(
      new OAuthError('invalid_request', 'code_challenge is required (PKCE, S256)'),
    );
  });

  it('treats an empty code_challenge as none', () => {
    expect(() => check({ code_challenge: '', code_challenge_method: 'S256' })).toThrow(
      new OAuthError('invalid_request', 'code_challenge_method without code_challenge'),
    );
  });

  it('refuses a malformed challenge', () => {
    expect(() => check({ code_challenge: 'short', code_challenge_method: 'S256' })).toThrow(
      new OAuthError('invalid_request', 'code_challenge must be 43 to 128 unreserved characters'),
    );
  });

  it('ignores PKCE parameters for a response type that issues no code', () => {
    const implicit = { responseType: handler(false) };
    expect(
      check({ code_challenge: 'short', code_challenge_method: 'MD5' }, publicClient, implicit),
    ).toEqual({});
  });
});
