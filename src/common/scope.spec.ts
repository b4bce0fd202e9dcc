import { isSubset, parseScope } from './scope.js';

describe('parseScope', () => {
  it('splits and de-duplicates scope tokens', () => {
    expect(parseScope('a b:c a')).toEqual(['a', 'b:c']);
    expect(parseScope('')).toEqual([]);
  });

  it.each(['a  b', ' a', 'a ', 'a"b', 'a\\b', 'a\tb', 'é'])(
    'refuses the malformed scope %j',
    (scope) => {
      expect(parseScope(scope)).toBeUndefined();
    },
  );

  it('refuses absurdly many scopes', () => {
    expect(parseScope(Array.from({ length: 101 }, (_, i) => `s${i}`).join(' '))).toBeUndefined();
  });

  it('checks subsets', () => {
    expect(isSubset(['a'], ['a', 'b'])).toBe(true);
    expect(isSubset(['a', 'c'], ['a', 'b'])).toBe(false);
    expect(isSubset([], [])).toBe(true);
  });
});
