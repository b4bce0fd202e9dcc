import type { Principal } from './principal.js';
import { VerifiedTokens } from './verified-tokens.js';

const principal = (exp?: number): Principal => ({
  sub: 's',
  clientId: 'c',
  scopes: [],
  claims: exp === undefined ? {} : { exp },
});
const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

describe('VerifiedTokens', () => {
  it('remembers a token until its exp, then forgets it', () => {
    const tokens = new VerifiedTokens();
    const live = principal(inSeconds(60));
    tokens.remember('live', live);
    tokens.remember('expired', principal(inSeconds(-1)));
    expect(tokens.get('live')).toBe(live);
    expect(tokens.get('expired')).toBeUndefined();
    expect(tokens.get('unknown')).toBeUndefined();
  });

  it('does not remember a token without exp', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('no-exp', principal());
    expect(tokens.get('no-exp')).toBeUndefined();
  });

  it('holds at most 10 000 tokens, forgetting the oldest first', () => {
    const tokens = new VerifiedTokens();
    const exp = inSeconds(60);
    for (let i = 0; i <= 10_000; i += 1) tokens.remember(`t${i}`, principal(exp));
    expect(tokens.get('t0')).toBeUndefined();
    expect(tokens.get('t1')).toBeDefined();
    expect(tokens.get('t10000')).toBeDefined();
  });
});
