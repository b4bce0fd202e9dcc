import { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { checkState } from './check-state.js';
import { targetsOf } from '../../../test/support/client-targets.js';

const check = (query: Record<string, unknown>) =>
  checkState({
    query,
    client: new Client(),
    targets: targetsOf(new Client()),
    checked: {},
    responseTypes: () => undefined,
  });

describe('checkState', () => {
  it('reads state as sent, up to 2048 characters', () => {
    expect(check({ state: 'af0ifjsldkj' })).toEqual({ state: 'af0ifjsldkj' });
    expect(check({ state: 's'.repeat(2048) })).toEqual({ state: 's'.repeat(2048) });
  });

  it.each([
    ['left out', {}],
    ['empty', { state: '' }],
  ])('reads no state when it is %s', (_, query) => {
    expect(check(query)).toEqual({ state: undefined });
  });

  it('refuses a state longer than 2048 characters', () => {
    expect(() => check({ state: 's'.repeat(2049) })).toThrow(
      new OAuthError('invalid_request', 'state is too long'),
    );
  });

  it('refuses a repeated state', () => {
    expect(() => check({ state: ['a', 'b'] })).toThrow(
      new OAuthError('invalid_request', 'state must be sent once'),
    );
  });
});
