import { TEST_ISSUER, targetsOf } from '../../test/support/client-targets.js';
import { refusedSync } from '../../test/support/refused.js';
import type { ApiCatalog } from '../apis/apis.service.js';
import { RegisteredApi } from '../apis/registered-api.entity.js';
import { Client } from '../clients/client.entity.js';
import { Scope } from '../common/scope.js';

const BILLING = 'https://billing.example.com';
const NOTES = 'https://notes.example.com/api';
const api = (identifier: string, scopes: string[], ttl: number) =>
  Object.assign(new RegisteredApi(), {
    identifier,
    name: identifier,
    scopes: scopes.map((value) => ({ value, description: value })),
    accessTokenTtl: ttl,
  });
const catalog: ApiCatalog = new Map([
  [BILLING, api(BILLING, ['read', 'invoices:write'], 600)],
  [NOTES, api(NOTES, ['read', 'write'], 300)],
]);
const client = (fields: Partial<Client> = {}) =>
  Object.assign(new Client(), {
    scope: 'openid offline_access admin',
    resourceScopes: { [BILLING]: 'read invoices:write', [NOTES]: 'read' },
    defaultResource: null,
    ...fields,
  });
const targets = (fields: Partial<Client> = {}) => targetsOf(client(fields), catalog);
const items = (grant: { items: Scope }) => grant.items.toArray();

describe('ClientTargets', () => {
  describe('resources', () => {
    it('takes the client default, else the issuer, when none is named', () => {
      expect(targets().resources([])).toEqual([TEST_ISSUER]);
      expect(targets({ defaultResource: NOTES }).resources([])).toEqual([NOTES]);
    });

    it('takes the issuer and the registered APIs the client may use, once each', () => {
      expect(targets().resources([BILLING, NOTES, BILLING, TEST_ISSUER])).toEqual([
        BILLING,
        NOTES,
        TEST_ISSUER,
      ]);
    });

    it.each([
      ['a relative URI', '/billing', 'resource must be an absolute URI'],
      ['a fragment', `${BILLING}#x`, 'resource must not contain a fragment'],
      ['whitespace', 'https://a b', 'resource must not contain whitespace'],
      [
        'an unregistered API',
        'https://elsewhere.example.com',
        'resource is not an API this client may use: https://elsewhere.example.com',
      ],
    ])('refuses %s with invalid_target', (_, resource, description) => {
      expect(refusedSync(() => targets().resources([resource]))).toMatchObject({
        error: 'invalid_target',
        description,
      });
    });

    it('refuses a default API that is no longer registered', () => {
      const gone = targets({ defaultResource: 'https://gone.example.com' });
      expect(refusedSync(() => gone.resources([]))).toMatchObject({
        error: 'invalid_target',
        description: 'default_resource is no longer a registered API: https://gone.example.com',
      });
    });

    it('refuses a registered API the client is not allowed', () => {
      const only = targets({ resourceScopes: { [BILLING]: 'read' } });
      expect(refusedSync(() => only.resources([NOTES])).error).toBe('invalid_target');
    });
  });

  describe('grant', () => {
    it('qualifies each API scope by its API, keeping identity scopes bare', () => {
      const grant = targets().grant([BILLING, NOTES], 'openid read invoices:write');
      expect(items(grant)).toEqual([
        'openid',
        `${BILLING}#read`,
        `${NOTES}#read`,
        `${BILLING}#invoices:write`,
      ]);
    });

    it('grants everything the client may have there when no scope is asked for', () => {
      expect(items(targets().grant([NOTES], undefined))).toEqual([
        'openid',
        'offline_access',
        `${NOTES}#read`,
      ]);
      expect(items(targets().grant([TEST_ISSUER], undefined))).toEqual([
        'openid',
        'offline_access',
        'admin',
      ]);
    });

    it('refuses a scope the client may not have with these resources', () => {
      // admin is the issuer's; write is defined by notes but not allowed to this client.
      expect(refusedSync(() => targets().grant([NOTES], 'read admin write'))).toMatchObject({
        error: 'invalid_scope',
        description: 'scope not allowed for this client: admin write',
      });
    });

    it('drops scopes an API no longer defines, and applies the resource owner’s limit', () => {
      const narrowed: ApiCatalog = new Map([[BILLING, api(BILLING, ['read'], 600)]]);
      expect(items(targetsOf(client(), narrowed).grant([BILLING], undefined))).toEqual([
        'openid',
        'offline_access',
        `${BILLING}#read`,
      ]);
      expect(
        items(targets().grant([BILLING], undefined, Scope.of(['openid', 'invoices:write']))),
      ).toEqual(['openid', `${BILLING}#invoices:write`]);
    });
  });

  describe('pick and access', () => {
    const grant = { resources: [BILLING, NOTES], items: Scope.of(['openid', `${BILLING}#read`]) };

    it('issues for the one resource asked for, among the grant’s audiences', () => {
      expect(targets().pick(grant, [NOTES])).toBe(NOTES);
      // openid is the issuer's, so the grant also covers the issuer (userinfo).
      expect(targets().pick(grant, [TEST_ISSUER])).toBe(TEST_ISSUER);
      expect(targets().audiencesOf(grant)).toEqual([BILLING, NOTES, TEST_ISSUER]);
    });

    it('falls back to the only resource, then the default, else refuses', () => {
      expect(targets().pick({ resources: [NOTES], items: Scope.EMPTY }, [])).toBe(NOTES);
      expect(targets({ defaultResource: BILLING }).pick(grant, [])).toBe(BILLING);
      expect(refusedSync(() => targets().pick(grant, [])).error).toBe('invalid_target');
      expect(targets().pick({ resources: [], items: Scope.EMPTY }, [])).toBe(TEST_ISSUER);
    });

    it('refuses more than one resource, or one the grant does not cover', () => {
      expect(refusedSync(() => targets().pick(grant, [BILLING, NOTES])).error).toBe(
        'invalid_target',
      );
      expect(refusedSync(() => targets().pick(grant, ['https://other.example.com'])).error).toBe(
        'invalid_target',
      );
    });

    it('gives each audience its own scope names and lifetime', () => {
      const both = Scope.of(['openid', `${BILLING}#read`, `${NOTES}#read`, 'admin']);
      const resources = [BILLING, NOTES, TEST_ISSUER];
      expect(targets().access(BILLING, both, resources)).toEqual({
        audience: BILLING,
        scope: Scope.of(['read']),
        ttl: 600,
      });
      expect(targets().access(NOTES, both, resources).ttl).toBe(300);
      expect(targets().access(TEST_ISSUER, both, resources)).toEqual({
        audience: TEST_ISSUER,
        scope: Scope.of(['openid', 'admin']),
        ttl: 900,
      });
    });
  });

  it('lists what the client may hold today, and each audience’s lifetime', () => {
    expect(targets().clientItems().toArray()).toEqual([
      'openid',
      'offline_access',
      'admin',
      `${BILLING}#read`,
      `${BILLING}#invoices:write`,
      `${NOTES}#read`,
    ]);
    expect(targets().lifetimes()).toEqual({ [TEST_ISSUER]: 900, [BILLING]: 600, [NOTES]: 300 });
  });
});
