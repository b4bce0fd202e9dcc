import { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { checkScope } from './check-scope.js';
import { targetsOf } from '../../../test/support/client-targets.js';

const client = Object.assign(new Client(), { scope: 'openid email notes:read' });
const check = (query: Record<string, unknown>) =>
  checkScope({
    query,
    client,
    targets: targetsOf(client),
    checked: {},
    responseTypes: () => undefined,
  });

describe('checkScope', () => {
  it('reads the requested scopes, once each, in order', () => {
    expect(check({ scope: 'notes:read openid notes:read' })).toEqual({
      scopes: ['notes:read', 'openid'],
    });
  });

  it.each([
    ['left out', {}],
    ['empty', { scope: '' }],
  ])('takes all of the client’s scopes when scope is %s', (_, query) => {
    expect(check(query)).toEqual({ scopes: ['openid', 'email', 'notes:read'] });
  });

  it.each(['openid  email', ' openid', 'openid\temail', 'notes:read "quoted"'])(
    'refuses the malformed scope %j',
    (scope) => {
      expect(() => check({ scope })).toThrow(new OAuthError('invalid_scope', 'scope is malformed'));
    },
  );

  it('refuses scopes the client is not registered for, naming them', () => {
    expect(() => check({ scope: 'openid admin notes:write' })).toThrow(
      new OAuthError('invalid_scope', 'scope not allowed for this client: admin notes:write'),
    );
  });
});
