import { refused } from '../../test/support/refused.js';
import { delegatedActClaim, MAX_ACTORS, readActClaim, type ActClaim } from './act-claim.js';

/** A chain of `count` actors, s0 outermost. */
const chain = (count: number): ActClaim | undefined =>
  Array.from({ length: count }, (_, i) => `s${i}`).reduceRight<ActClaim | undefined>(
    (inner, sub) => (inner ? { sub, act: inner } : { sub }),
    undefined,
  );

describe('act claims', () => {
  it('reads none, one and a nested chain, keeping only sub', () => {
    expect(readActClaim(undefined)).toBeUndefined();
    expect(readActClaim({ sub: 'a', extra: 1 })).toEqual({ sub: 'a' });
    expect(readActClaim({ sub: 'b', act: { sub: 'a' } })).toEqual({ sub: 'b', act: { sub: 'a' } });
  });

  it.each([null, 'a', [{ sub: 'a' }], { client_id: 'a' }, { sub: 'b', act: 7 }])(
    'refuses %j as invalid_grant',
    async (value) => {
      expect((await refused(() => readActClaim(value))).error).toBe('invalid_grant');
    },
  );

  it('puts the new actor outermost and keeps the previous chain whole', () => {
    expect(delegatedActClaim('notes', undefined)).toEqual({ sub: 'notes' });
    expect(delegatedActClaim('storage', { sub: 'notes' })).toEqual({
      sub: 'storage',
      act: { sub: 'notes' },
    });
  });

  it(`holds at most ${MAX_ACTORS} actors`, async () => {
    const full = chain(MAX_ACTORS - 1);
    expect(readActClaim(delegatedActClaim('last', full))).toBeDefined();
    expect((await refused(() => delegatedActClaim('one-too-many', chain(MAX_ACTORS)))).error).toBe(
      'invalid_grant',
    );
    expect((await refused(() => readActClaim(chain(MAX_ACTORS + 1)))).error).toBe('invalid_grant');
  });
});
