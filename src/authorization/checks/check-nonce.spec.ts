import { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { checkNonce } from './check-nonce.js';
import { targetsOf } from '../../../test/support/client-targets.js';

const check = (query: Record<string, unknown>) =>
  checkNonce({
    query,
    client: new Client(),
    targets: targetsOf(new Client()),
    checked: {},
    responseTypes: () => undefined,
  });

describe('checkNonce', () => {
  it('reads nonce as sent, up to 512 characters', () => {
    expect(check({ nonce: 'n-0S6_WzA2Mj' })).toEqual({ nonce: 'n-0S6_WzA2Mj' });
    expect(check({ nonce: 'n'.repeat(512) })).toEqual({ nonce: 'n'.repeat(512) });
  });

  it.each([
    ['left out', {}],
    ['empty', { nonce: '' }],
  ])('reads no nonce when it is %s', (_, query) => {
    expect(check(query)).toEqual({ nonce: undefined });
  });

  it('refuses a nonce longer than 512 characters', () => {
    expect(() => check({ nonce: 'n'.repeat(513) })).toThrow(
      new OAuthError('invalid_request', 'nonce is too long'),
    );
  });
});
