import type { AuditRecord, AuditService } from '../../audit/audit.service.js';
import { Client } from '../../clients/client.entity.js';
import type { AccessTokenId } from '../access-token.issuer.js';
import type { Consumption, RefreshTokenStore } from '../refresh-token.store.js';
import type { RevokedFamily } from '../refresh-token.store.js';
import type { TokenMinter } from '../token-minter.service.js';
import { TokenRequest } from '../token-request.js';
import type { TokenRevocation } from '../token-revocation.service.js';
import { RefreshTokenGrant } from './refresh-token.grant.js';
import { refused } from '../../../test/support/refused.js';
import { TEST_ISSUER, targetsOf } from '../../../test/support/client-targets.js';
import { Scope } from '../../common/scope.js';
import type { OperationsMetrics } from '../../metrics/operations-metrics.js';
import type { TokenAudience } from '../token-audience.js';

// The grant's part: reading the request, and answering each of the store's outcomes.
const client = Object.assign(new Client(), {
  clientId: 'app',
  scope: 'read write',
  resourceScopes: {},
  defaultResource: null,
});
const DPOP_ONLY = 'https://payments.example.com';
const audience = {
  for: () => Promise.resolve(targetsOf(client)),
  dpopOnly: () => Promise.resolve(new Set([DPOP_ONLY])),
} as unknown as TokenAudience;
const ID: AccessTokenId = { jti: 'jti-1', iat: 1000, exp: 1900 };

function grantWith(outcome: Consumption, revoked: RevokedFamily[] = []) {
  const consumed: unknown[] = [];
  const revocations: unknown[] = [];
  const audited: AuditRecord[] = [];
  const signed: unknown[] = [];
  const store = {
    consume: (request: unknown) => (consumed.push(request), Promise.resolve(outcome)),
  } as unknown as RefreshTokenStore;
  const revocation = {
    revoke: (...args: unknown[]) => (revocations.push(args), Promise.resolve(revoked)),
  } as unknown as TokenRevocation;
  const minter = {
    newAccessTokenId: () => ID,
    sign: (...args: unknown[]) => {
      signed.push(args);
      return Promise.resolve({ response: { access_token: 'at', token_type: 'Bearer' } });
    },
  } as unknown as TokenMinter;
  const audit = {
    record: (record: AuditRecord) => (audited.push(record), Promise.resolve()),
  } as unknown as AuditService;
  const metrics = { refreshReuseDetected: () => undefined } as unknown as OperationsMetrics;
  const grant = new RefreshTokenGrant(store, revocation, minter, audit, audience, metrics);
  return { grant, consumed, revocations, audited, signed };
}

const request = (params: Record<string, string>) =>
  new TokenRequest({ grant_type: 'refresh_token', ...params }, '127.0.0.1');

describe('RefreshTokenGrant', () => {
  it('reads the token and the scope, refusing a malformed scope or an oversized token', async () => {
    const { grant } = grantWith({ outcome: 'invalid' });
    await expect(
      grant.validate(request({ refresh_token: 't', scope: 'read read' })),
    ).resolves.toEqual({
      refreshToken: 't',
      requested: ['read'],
      resource: undefined,
      ip: '127.0.0.1',
    });
    expect(
      (await refused(() => grant.validate(request({ refresh_token: 't', scope: 'a"b' })))).error,
    ).toBe('invalid_scope');
    expect(
      (await refused(() => grant.validate(request({ refresh_token: 'x'.repeat(513) })))).error,
    ).toBe('invalid_grant');
    expect((await refused(() => grant.validate(request({})))).error).toBe('invalid_request');
  });

  it('asks the store with the client, its scope and the access token to record', async () => {
    const { grant, consumed } = grantWith({ outcome: 'invalid' });
    await refused(() =>
      grant.issue({ refreshToken: 't', requested: ['read'], ip: '10.0.0.1' }, client, undefined),
    );
    expect(consumed).toEqual([
      {
        token: 't',
        clientId: 'app',
        requested: ['read'],
        resource: undefined,
        clientItems: ['read', 'write'],
        lifetimes: { [TEST_ISSUER]: 900 },
        access: { jti: 'jti-1', issuedAt: 1000, ip: '10.0.0.1' },
        dpopJkt: undefined,
        dpopOnly: new Set([DPOP_ONLY]),
      },
    ]);
  });

  it('signs what the store granted: the scope it answered, the successor, the user', async () => {
    const { grant, signed } = grantWith({
      outcome: 'granted',
      successor: 'next',
      grant: { familyId: 'f', clientId: 'app', userId: 'u', scopes: ['read', 'write'] },
      scopes: ['read'],
      audience: TEST_ISSUER,
      resources: [TEST_ISSUER],
      expiresAt: 1900,
      username: 'una',
    });
    await expect(grant.issue({ refreshToken: 't', ip: 'ip' }, client, undefined)).resolves.toEqual({
      access_token: 'at',
      token_type: 'Bearer',
    });
    expect(signed).toEqual([
      [
        {
          grantType: 'refresh_token',
          client,
          user: { id: 'u', username: 'una' },
          grant: { resources: [TEST_ISSUER], items: Scope.of(['read']) },
          access: { audience: TEST_ISSUER, scope: Scope.of(['read']), ttl: 900 },
          ip: 'ip',
        },
        ID,
        { token: 'next', familyId: 'f' },
      ],
    ]);
  });

  it('binds the new access token to the proof key, and says so when the key is not the family’s', async () => {
    const granted = grantWith({
      outcome: 'granted',
      successor: 'next',
      grant: { familyId: 'f', clientId: 'app', userId: null, scopes: ['read'] },
      scopes: ['read'],
      audience: TEST_ISSUER,
      resources: [TEST_ISSUER],
      expiresAt: 1900,
      username: null,
    });
    await granted.grant.issue({ refreshToken: 't', ip: 'ip' }, client, 'jkt-1');
    expect(granted.consumed).toMatchObject([{ dpopJkt: 'jkt-1' }]);
    expect(granted.signed).toMatchObject([[{ dpopJkt: 'jkt-1' }, ID, { token: 'next' }]]);

    const mismatch = grantWith({ outcome: 'dpop_key_mismatch' });
    const refusal = await refused(() =>
      mismatch.grant.issue({ refreshToken: 't', ip: 'ip' }, client, 'jkt-2'),
    );
    expect([refusal.error, refusal.description]).toEqual([
      'invalid_grant',
      'the DPoP proof is not by the key this refresh token is bound to',
    ]);
  });

  it('on reuse revokes the family and audits it once, answering invalid_grant', async () => {
    const { grant, revocations, audited } = grantWith({ outcome: 'reused', familyId: 'f' }, [
      { familyId: 'f', userId: 'u', revokedNow: true },
    ]);
    const error = await refused(() =>
      grant.issue({ refreshToken: 't', ip: 'ip' }, client, undefined),
    );
    expect([error.error, error.description]).toEqual([
      'invalid_grant',
      'the refresh token is invalid, expired or revoked',
    ]);
    expect(revocations).toEqual([[{ familyId: 'f' }, 'reuse']]);
    expect(audited).toEqual([
      {
        type: 'refresh.reuse_detected',
        clientId: 'app',
        userId: 'u',
        ip: 'ip',
        details: { family_id: 'f', family_revoked: true },
      },
    ]);
  });

  it('does not audit a reuse whose family was revoked before', async () => {
    const { grant, audited } = grantWith({ outcome: 'reused', familyId: 'f' }, [
      { familyId: 'f', userId: 'u', revokedNow: false },
    ]);
    await refused(() => grant.issue({ refreshToken: 't', ip: 'ip' }, client, undefined));
    expect(audited).toEqual([]);
  });

  const refusals: [Consumption, string, string][] = [
    [{ outcome: 'invalid' }, 'invalid_grant', 'the refresh token is invalid, expired or revoked'],
    [{ outcome: 'user_disabled' }, 'invalid_grant', 'the user of this grant is disabled or gone'],
    [
      { outcome: 'scope_not_granted', outside: ['admin', 'x'] },
      'invalid_scope',
      'scope not allowed for this client: admin x',
    ],
    [
      { outcome: 'dpop_key_mismatch' },
      'invalid_grant',
      'this refresh token is bound to a DPoP key: send a DPoP proof by that key',
    ],
    [
      { outcome: 'dpop_proof_required', target: TEST_ISSUER },
      'invalid_request',
      'the access tokens of this grant are DPoP-bound: send a DPoP proof to refresh it',
    ],
    [
      { outcome: 'dpop_proof_required', target: DPOP_ONLY },
      'invalid_request',
      `${DPOP_ONLY} accepts only DPoP-bound access tokens: send a DPoP proof`,
    ],
  ];

  it.each(refusals)('answers %j with %s', async (outcome, error, description) => {
    const { grant, signed } = grantWith(outcome);
    const refusal = await refused(() =>
      grant.issue({ refreshToken: 't', ip: 'ip' }, client, undefined),
    );
    expect([refusal.error, refusal.description]).toEqual([error, description]);
    expect(signed).toEqual([]);
  });
});
