import { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import type { ResponseTypeHandler } from '../response-types/response-type-handler.js';
import { AUTHORIZE_CHECKS, runAuthorizeChecks } from './index.js';
import { checkDpopJkt } from './check-dpop-jkt.js';
import { checkNonce } from './check-nonce.js';
import { checkPkce } from './check-pkce.js';
import { checkRepeatedParameters } from './check-repeated-parameters.js';
import { checkResource } from './check-resource.js';
import { checkResponseType } from './check-response-type.js';
import { checkScope } from './check-scope.js';
import { checkState } from './check-state.js';
import { TEST_ISSUER, targetsOf } from '../../../test/support/client-targets.js';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

const handler = (responseType: string, grantType: string, issuesCode: boolean) =>
  ({
    responseType,
    grantType,
    responseMode: issuesCode ? 'query' : 'fragment',
    issuesCode,
    answer: () => Promise.resolve({}),
  }) satisfies ResponseTypeHandler;
const code = handler('code', 'authorization_code', true);
const token = handler('token', 'implicit', false);
const registered = new Map<string, ResponseTypeHandler>([
  ['code', code],
  ['token', token],
]);

const client = Object.assign(new Client(), {
  clientId: 'spa',
  grantTypes: ['authorization_code', 'implicit'],
  responseTypes: ['code', 'token'],
  scope: 'openid notes:read',
  tokenEndpointAuthMethod: 'none',
  requirePkce: true,
  allowPlainPkce: false,
});

const run = (query: Record<string, unknown>) =>
  runAuthorizeChecks({
    query,
    client,
    targets: targetsOf(client),
    responseTypes: (name) => registered.get(name),
  });

const refusal = (error: string, description: string) => new OAuthError(error, description);

describe('AUTHORIZE_CHECKS', () => {
  it('runs the redirected checks in this order', () => {
    expect(AUTHORIZE_CHECKS).toEqual([
      checkRepeatedParameters,
      checkResponseType,
      checkState,
      checkNonce,
      checkResource,
      checkScope,
      checkPkce,
      checkDpopJkt,
    ]);
  });
});

describe('runAuthorizeChecks', () => {
  it('answers everything the checks read from a valid code request', () => {
    expect(
      run({
        response_type: 'code',
        state: 'xyz',
        nonce: 'n-1',
        scope: 'openid',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      }),
    ).toEqual({
      responseType: code,
      state: 'xyz',
      nonce: 'n-1',
      resources: [TEST_ISSUER],
      scopes: ['openid'],
      pkce: { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' },
    });
  });

  it('binds a code request to the DPoP key of its dpop_jkt', () => {
    const dpopJkt = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
    const checked = run({
      response_type: 'code',
      scope: 'openid',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      dpop_jkt: dpopJkt,
    });
    expect(checked.dpopJkt).toBe(dpopJkt);
  });

  it('binds no PKCE challenge to an implicit request, whatever it sent', () => {
    const checked = run({ response_type: 'token', code_challenge: CHALLENGE });
    expect(checked.responseType).toBe(token);
    expect(checked.pkce).toBeUndefined();
  });

  it('refuses a repeated parameter before anything else', () => {
    expect(() => run({ scope: ['openid', 'openid'], response_type: 'nope' })).toThrow(
      refusal('invalid_request', 'scope must be sent once'),
    );
  });

  it('refuses the response type before the scope', () => {
    expect(() => run({ response_type: 'id_token', scope: 'admin' })).toThrow(
      refusal('unsupported_response_type', 'response_type id_token is not supported'),
    );
  });

  it('refuses the scope before PKCE', () => {
    expect(() => run({ response_type: 'code', scope: 'admin' })).toThrow(
      refusal('invalid_scope', 'scope not allowed for this client: admin'),
    );
  });

  it('refuses a code request without PKCE from a public client', () => {
    expect(() => run({ response_type: 'code' })).toThrow(
      refusal('invalid_request', 'code_challenge is required (PKCE, S256)'),
    );
  });
});
