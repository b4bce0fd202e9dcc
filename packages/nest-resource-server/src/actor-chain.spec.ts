import { actorOf, MAX_ACTOR_DEPTH } from './actor-chain.js';
import { BearerError } from './bearer-error.js';

/** An `act` claim nesting `subs`, the first outermost (the current actor). */
const act = (...subs: string[]): unknown =>
  subs.reduceRight<unknown>((inner, sub) => (inner ? { sub, act: inner } : { sub }), undefined);

describe('actorOf', () => {
  it('is undefined for a token without act', () => {
    expect(actorOf(undefined)).toBeUndefined();
  });

  it('reads one actor, and a chain with the current actor outermost', () => {
    expect(actorOf({ sub: 'notes' })).toEqual({ sub: 'notes' });
    expect(actorOf(act('calendar', 'storage', 'notes'))).toEqual({
      sub: 'calendar',
      actor: { sub: 'storage', actor: { sub: 'notes' } },
    });
  });

  it('keeps only sub at each level', () => {
    expect(actorOf({ sub: 'notes', iss: 'https://elsewhere', act: { sub: 'a', x: 1 } })).toEqual({
      sub: 'notes',
      actor: { sub: 'a' },
    });
  });

  it.each([
    ['null', null],
    ['a string', 'notes'],
    ['an array', [{ sub: 'notes' }]],
    ['an actor without sub', { client_id: 'notes' }],
    ['a numeric sub', { sub: 42 }],
    ['a malformed inner actor', { sub: 'notes', act: { sub: null } }],
    [
      'a chain deeper than MAX_ACTOR_DEPTH',
      act(...Array.from({ length: MAX_ACTOR_DEPTH + 1 }, (_, i) => `s${i}`)),
    ],
  ])('refuses %s with 401 invalid_token', (_name, value) => {
    let thrown: unknown;
    try {
      actorOf(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BearerError);
    expect((thrown as BearerError).getStatus()).toBe(401);
    expect((thrown as BearerError).error).toBe('invalid_token');
  });

  it('reads a chain of exactly MAX_ACTOR_DEPTH actors', () => {
    const subs = Array.from({ length: MAX_ACTOR_DEPTH }, (_, i) => `s${i}`);
    let actor = actorOf(act(...subs));
    const read: string[] = [];
    for (; actor; actor = actor.actor) read.push(actor.sub);
    expect(read).toEqual(subs);
  });
});
