import { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import type { ResponseTypeHandler } from '../response-types/response-type-handler.js';
import { checkDpopJkt } from './check-dpop-jkt.js';
import { targetsOf } from '../../../test/support/client-targets.js';

const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';

const handler = (issuesCode: boolean): ResponseTypeHandler => ({
  responseType: issuesCode ? 'code' : 'token',
  grantType: issuesCode ? 'authorization_code' : 'implicit',
  responseMode: issuesCode ? 'query' : 'fragment',
  issuesCode,
  answer: () => Promise.resolve({}),
});

const check = (query: Record<string, unknown>, issuesCode = true) =>
  checkDpopJkt({
    query,
    client: new Client(),
    targets: targetsOf(new Client()),
    checked: { responseType: handler(issuesCode) },
    responseTypes: () => undefined,
  });

describe('checkDpopJkt', () => {
  it('reads a thumbprint the code is bound to', () => {
    expect(check({ dpop_jkt: JKT })).toEqual({ dpopJkt: JKT });
  });

  it('binds nothing when it is left out or empty', () => {
    expect(check({})).toEqual({});
    expect(check({ dpop_jkt: '' })).toEqual({});
  });

  it.each([
    ['too short', JKT.slice(1)],
    ['too long', `${JKT}A`],
    ['not base64url', `${JKT.slice(1)}+`],
    ['padded', `${JKT.slice(1)}=`],
  ])('refuses a thumbprint %s', (_, dpopJkt) => {
    expect(() => check({ dpop_jkt: dpopJkt })).toThrow(
      new OAuthError(
        'invalid_request',
        'dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 7638)',
      ),
    );
  });

  it('refuses it twice', () => {
    expect(() => check({ dpop_jkt: [JKT, JKT] })).toThrow(OAuthError);
  });

  it('refuses it with a response type that issues no code', () => {
    expect(() => check({ dpop_jkt: JKT }, false)).toThrow(
      new OAuthError('invalid_request', 'dpop_jkt binds a code; this response_type issues none'),
    );
  });
});
