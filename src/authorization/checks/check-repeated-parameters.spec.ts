import { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { checkRepeatedParameters } from './check-repeated-parameters.js';
import { targetsOf } from '../../../test/support/client-targets.js';

const input = (query: Record<string, unknown>) => ({
  query,
  client: new Client(),
  targets: targetsOf(new Client()),
  checked: {},
  responseTypes: () => undefined,
});

describe('checkRepeatedParameters', () => {
  it('passes a request whose every parameter came once', () => {
    expect(checkRepeatedParameters(input({ response_type: 'code', prompt: 'none' }))).toEqual({});
  });

  it('refuses a repeated parameter, even one no check reads', () => {
    expect(() => checkRepeatedParameters(input({ prompt: ['none', 'login'] }))).toThrow(
      new OAuthError('invalid_request', 'prompt must be sent once'),
    );
  });

  it('does not echo a name that is not a plain word', () => {
    expect(() => checkRepeatedParameters(input({ '<script>': ['a', 'b'] }))).toThrow(
      new OAuthError('invalid_request', 'each parameter must be sent once'),
    );
  });
});
