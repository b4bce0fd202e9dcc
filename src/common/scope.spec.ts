import { MAX_SCOPES, Scope } from './scope.js';

const names = (scope: Scope | undefined) => scope?.toArray();

describe('Scope.parse', () => {
  it('splits and de-duplicates scope tokens', () => {
    expect(names(Scope.parse('a b:c a'))).toEqual(['a', 'b:c']);
    expect(names(Scope.parse(''))).toEqual([]);
  });

  it.each(['a  b', ' a', 'a ', 'a"b', 'a\\b', 'a\tb', 'é'])(
    'refuses the malformed scope %j',
    (scope) => {
      expect(Scope.parse(scope)).toBeUndefined();
    },
  );

  it('refuses absurdly many scopes', () => {
    expect(Scope.parse(Array.from({ length: 101 }, (_, i) => `s${i}`).join(' '))).toBeUndefined();
  });

  it('takes MAX_SCOPES, counting repeated names before they are merged', () => {
    const most = Array.from({ length: MAX_SCOPES }, (_, i) => `s${i}`);
    expect(Scope.parse(most.join(' '))?.size).toBe(MAX_SCOPES);
    expect(Scope.parse([...most.slice(1), 's1', 's1'].join(' '))).toBeUndefined();
  });

  it('answers the empty scope for the empty string', () => {
    expect(Scope.parse('')).toBe(Scope.EMPTY);
  });
});

describe('Scope.of and Scope.stored', () => {
  it('keep the first of repeated names, in order', () => {
    expect(names(Scope.of(['b', 'a', 'b']))).toEqual(['b', 'a']);
    expect(names(Scope.stored('b a b'))).toEqual(['b', 'a']);
  });

  it('read empty text and null as the empty scope', () => {
    expect(Scope.stored('')).toBe(Scope.EMPTY);
    expect(Scope.stored(null)).toBe(Scope.EMPTY);
    expect(Scope.of([]).isEmpty).toBe(true);
  });

  it('read a stored scope without checking its names, dropping empty ones', () => {
    expect(names(Scope.stored('a  é'))).toEqual(['a', 'é']);
  });
});

describe('Scope', () => {
  const ab = Scope.of(['a', 'b']);

  it('checks subsets', () => {
    expect(Scope.of(['a']).isWithin(ab)).toBe(true);
    expect(Scope.of(['a', 'c']).isWithin(ab)).toBe(false);
    expect(Scope.EMPTY.isWithin(Scope.EMPTY)).toBe(true);
  });

  it('answers membership and size', () => {
    expect(ab.has('a')).toBe(true);
    expect(ab.has('c')).toBe(false);
    expect(ab.has('')).toBe(false);
    expect(ab.size).toBe(2);
    expect(ab.isEmpty).toBe(false);
    expect(Scope.EMPTY.size).toBe(0);
    expect(Scope.EMPTY.isEmpty).toBe(true);
  });

  it('intersects and subtracts in its own order', () => {
    const cba = Scope.of(['c', 'b', 'a']);
    expect(names(cba.intersect(ab))).toEqual(['b', 'a']);
    expect(names(ab.intersect(cba))).toEqual(['a', 'b']);
    expect(names(cba.without(ab))).toEqual(['c']);
    expect(names(ab.without(cba))).toEqual([]);
  });

  it('unites: its own names, then the other’s new ones', () => {
    expect(names(Scope.of(['b', 'x']).union(ab))).toEqual(['b', 'x', 'a']);
    expect(names(Scope.EMPTY.union(ab))).toEqual(['a', 'b']);
  });

  it('iterates, converts and serialises in insertion order', () => {
    const scope = Scope.of(['openid', 'notes:read', 'email']);
    expect([...scope]).toEqual(['openid', 'notes:read', 'email']);
    expect(scope.toString()).toBe('openid notes:read email');
    expect(String(scope)).toBe('openid notes:read email');
    expect(JSON.stringify({ scope })).toBe('{"scope":"openid notes:read email"}');
    expect(Scope.EMPTY.toString()).toBe('');
  });

  it('cannot be changed, through itself or the arrays it answers', () => {
    const scope = Scope.of(['a']);
    scope.toArray().push('b');
    expect(scope.toString()).toBe('a');
    expect(Object.isFrozen(scope)).toBe(true);
    expect(Object.isFrozen(Scope.EMPTY)).toBe(true);
    expect(names(scope.union(Scope.of(['b'])))).toEqual(['a', 'b']);
    expect(scope.toString()).toBe('a');
  });
});
