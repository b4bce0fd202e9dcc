import { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import type { ResponseTypeHandler } from '../response-types/response-type-handler.js';
import { checkResponseType } from './check-response-type.js';
import { targetsOf } from '../../../test/support/client-targets.js';

const handler = (responseType: string, grantType: string): ResponseTypeHandler => ({
  responseType,
  grantType,
  responseMode: 'query',
  issuesCode: responseType === 'code',
  answer: () => Promise.resolve({}),
});
const code = handler('code', 'authorization_code');
const token = handler('token', 'implicit');
const registered = new Map([
  ['code', code],
  ['token', token],
]);

const client = (grantTypes: string[], responseTypes: string[]) =>
  Object.assign(new Client(), { grantTypes, responseTypes });
const codeClient = client(['authorization_code', 'refresh_token'], ['code']);

const check = (query: Record<string, unknown>, forClient = codeClient) =>
  checkResponseType({
    query,
    client: forClient,
    targets: targetsOf(forClient),
    checked: {},
    responseTypes: (name) => registered.get(name),
  });

const refusal = (error: string, description: string) => new OAuthError(error, description);

describe('checkResponseType', () => {
  it('answers the handler of a response type the client is registered for', () => {
    expect(check({ response_type: 'code' })).toEqual({ responseType: code });
  });

  it('answers implicit for a client registered for it', () => {
    const implicit = client(['implicit'], ['token']);
    expect(check({ response_type: 'token' }, implicit)).toEqual({ responseType: token });
  });

  it.each([
    ['left out', {}],
    ['empty', { response_type: '' }],
  ])('requires response_type: refuses it %s', (_, query) => {
    expect(() => check(query)).toThrow(refusal('invalid_request', 'response_type is required'));
  });

  it('refuses a repeated response_type', () => {
    expect(() => check({ response_type: ['code', 'token'] })).toThrow(
      refusal('invalid_request', 'response_type must be sent once'),
    );
  });

  it.each(['id_token', 'code token', 'CODE'])(
    'refuses the unregistered response type %j',
    (name) => {
      expect(() => check({ response_type: name })).toThrow(
        refusal('unsupported_response_type', `response_type ${name} is not supported`),
      );
    },
  );

  it('refuses a response type whose grant the client is not registered for', () => {
    expect(() => check({ response_type: 'token' })).toThrow(
      refusal('unauthorized_client', 'this client may not use response_type token'),
    );
  });

  it('refuses a response type the client did not register, even with its grant', () => {
    const withoutResponseType = client(['authorization_code', 'implicit'], ['code']);
    expect(() => check({ response_type: 'token' }, withoutResponseType)).toThrow(
      refusal('unauthorized_client', 'this client may not use response_type token'),
    );
  });
});
