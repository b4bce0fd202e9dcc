import { TEST_ISSUER, targetsOf } from '../../../test/support/client-targets.js';
import { refusedSync } from '../../../test/support/refused.js';
import type { ApiCatalog } from '../../apis/apis.service.js';
import { RegisteredApi } from '../../apis/registered-api.entity.js';
import { Client } from '../../clients/client.entity.js';
import type { ResponseTypeHandler } from '../response-types/response-type-handler.js';
import { checkResource } from './check-resource.js';
import { checkScope } from './check-scope.js';

const BILLING = 'https://billing.example.com';
const catalog: ApiCatalog = new Map([
  [
    BILLING,
    Object.assign(new RegisteredApi(), {
      identifier: BILLING,
      scopes: [{ value: 'read', description: 'Read' }],
      accessTokenTtl: 600,
    }),
  ],
]);
const client = Object.assign(new Client(), {
  scope: 'openid',
  resourceScopes: { [BILLING]: 'read' },
  defaultResource: null,
});
const input = (query: Record<string, unknown>, checked = {}) => ({
  query,
  client,
  targets: targetsOf(client, catalog),
  checked,
  responseTypes: () => undefined,
});

describe('checkResource', () => {
  it('reads every resource value, sent once or repeated', () => {
    expect(checkResource(input({ resource: BILLING }))).toEqual({ resources: [BILLING] });
    expect(checkResource(input({ resource: [BILLING, TEST_ISSUER] }))).toEqual({
      resources: [BILLING, TEST_ISSUER],
    });
  });

  it('stands for the issuer when the request names none', () => {
    expect(checkResource(input({}))).toEqual({ resources: [TEST_ISSUER] });
  });

  it.each([['/relative'], [`${BILLING}#frag`], ['https://unknown.example.com']])(
    'refuses %s with invalid_target',
    (resource) => {
      expect(refusedSync(() => checkResource(input({ resource }))).error).toBe('invalid_target');
    },
  );

  it('refuses several resources for a response type that answers with a token', () => {
    const token = { issuesCode: false } as ResponseTypeHandler;
    const code = { issuesCode: true } as ResponseTypeHandler;
    const both = { resource: [BILLING, TEST_ISSUER] };
    expect(refusedSync(() => checkResource(input(both, { responseType: token }))).error).toBe(
      'invalid_target',
    );
    expect(checkResource(input(both, { responseType: code }))).toEqual({
      resources: [BILLING, TEST_ISSUER],
    });
  });

  it('lets checkScope read the API’s scopes for those resources', () => {
    expect(checkScope(input({ scope: 'openid read' }, { resources: [BILLING] }))).toEqual({
      scopes: ['openid', `${BILLING}#read`],
    });
  });
});
