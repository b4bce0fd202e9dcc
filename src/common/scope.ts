/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export const MAX_SCOPES = 100;

/**
 * A scope (RFC 6749 §3.3): a set of scope names that keeps the order they came in, so that
 * what is stored and answered reads the same as what was asked for. Immutable; every operation
 * answers a new Scope. Its text form, `toString()`, is the space-delimited one of the protocol
 * and of every `scope` column.
 */
export class Scope implements Iterable<string> {
  static readonly EMPTY = new Scope([]);

  private readonly names: ReadonlySet<string>;

  private constructor(names: Iterable<string>) {
    this.names = new Set(names);
    Object.freeze(this);
  }

  /**
   * A scope as a request sends it: distinct names, in order; undefined when it is not
   * well-formed (one space between names, the characters of §3.3, at most MAX_SCOPES).
   */
  static parse(text: string): Scope | undefined {
    if (text === '') return Scope.EMPTY;
    const names = text.split(' ');
    if (names.length > MAX_SCOPES || names.some((name) => !SCOPE_TOKEN.test(name)))
      return undefined;
    return new Scope(names);
  }

  /** Names already checked (a client's, a grant's, a token's), de-duplicated in order. */
  static of(names: Iterable<string>): Scope {
    return new Scope(names);
  }

  /**
   * A scope this server stored or signed, so already well-formed: read without checking.
   * Empty text and null are the empty scope.
   */
  static stored(text: string | null): Scope {
    return text ? new Scope(text.split(' ').filter(Boolean)) : Scope.EMPTY;
  }

  get size(): number {
    return this.names.size;
  }

  get isEmpty(): boolean {
    return this.names.size === 0;
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Whether every name of this scope is in `other` (the empty scope is within any). */
  isWithin(other: Scope): boolean {
    return this.toArray().every((name) => other.has(name));
  }

  /** The names of this scope that `other` has too, in this scope's order. */
  intersect(other: Scope): Scope {
    return new Scope(this.toArray().filter((name) => other.has(name)));
  }

  /** The names of this scope that `other` lacks, in this scope's order. */
  without(other: Scope): Scope {
    return new Scope(this.toArray().filter((name) => !other.has(name)));
  }

  /** This scope's names, then those of `other` it lacks. */
  union(other: Scope): Scope {
    return new Scope([...this, ...other]);
  }

  /** The names in order, as a new array the caller may keep. */
  toArray(): string[] {
    return [...this.names];
  }

  [Symbol.iterator](): Iterator<string> {
    return this.names.values();
  }

  /** The space-delimited form: `scope` parameters, claims, columns and audit details. */
  toString(): string {
    return this.toArray().join(' ');
  }

  /** A Scope in JSON is its protocol form, never `{}`. */
  toJSON(): string {
    return this.toString();
  }
}
