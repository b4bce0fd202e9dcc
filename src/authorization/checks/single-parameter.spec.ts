import { OAuthError } from '../../common/oauth-error.js';
import { singleParameter } from './single-parameter.js';

describe('singleParameter', () => {
  it('answers a parameter sent once', () => {
    expect(singleParameter({ state: 'xyz' }, 'state')).toBe('xyz');
  });

  it.each([
    ['absent', {}],
    ['empty', { state: '' }],
  ])('answers undefined for a parameter %s', (_, query) => {
    expect(singleParameter(query, 'state')).toBeUndefined();
  });

  it('refuses a repeated parameter', () => {
    expect(() => singleParameter({ state: ['a', 'b'] }, 'state')).toThrow(
      new OAuthError('invalid_request', 'state must be sent once'),
    );
  });
});
