import { integer, matching, oneOf, secret, text } from './variable.js';

describe('kinds of variables', () => {
  it('reads an integer only from decimal digits, within its range', () => {
    const port = integer(1, 10);
    expect(port.read('7')).toEqual({ value: 7 });
    expect(port.read('007')).toEqual({ value: 7 });
    for (const bad of ['0', '11', '7.0', '0x7', '7s', '']) {
      expect(port.read(bad)).toEqual({ mustBe: 'an integer between 1 and 10' });
    }
  });

  it('says in the message what an integer counts, what its minimum means, what it refuses', () => {
    expect(integer(0, 5, { unit: 'seconds', minIsOff: true, not: 3 }).read('3')).toEqual({
      mustBe: 'an integer number of seconds between 0 (off) and 5, not 3',
    });
  });

  it('names the allowed values, "or" between two', () => {
    expect(oneOf('a', 'b').read('c')).toEqual({ mustBe: 'a or b' });
    expect(oneOf('a', 'b', 'c').read('d')).toEqual({ mustBe: 'one of a, b, c' });
    expect(oneOf('a', 'b').read('b')).toEqual({ value: 'b' });
  });

  it('checks a pattern, any text, and the length of a secret', () => {
    expect(matching(/^x+$/, 'some x').read('xy')).toEqual({ mustBe: 'some x' });
    expect(text.read('anything at all')).toEqual({ value: 'anything at all' });
    expect(secret(2, 3).read('a')).toEqual({ mustBe: 'at least 2 characters' });
    expect(secret(2, 3).read('abcd')).toEqual({ mustBe: 'at most 3 characters' });
  });

  it('makes a variable with a default or an optional one', () => {
    expect(integer(1, 2).defaultsTo(1).fallback).toBe(1);
    expect(integer(1, 2).optional().fallback).toBeUndefined();
  });
});
