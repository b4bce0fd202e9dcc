/** What a variable's text reads as: its value, or what it must be (said after its name). */
export type Reading<T> = { value: T } | { mustBe: string };

/** One environment variable: how its trimmed, non-empty text is read, and its value when unset. */
export interface Variable<T> {
  read(text: string): Reading<T>;
  readonly fallback: T;
}

/** A kind of value; `defaultsTo` or `optional` makes it a variable of the table. */
export class Kind<T> {
  constructor(readonly read: (text: string) => Reading<T>) {}

  defaultsTo(fallback: T): Variable<T> {
    return { read: this.read, fallback };
  }

  optional(): Variable<T | undefined> {
    return { read: this.read, fallback: undefined };
  }
}

/** A kind with one constraint; `parse` answers undefined when the text breaks it. */
export function kind<T>(mustBe: string, parse: (text: string) => T | undefined): Kind<T> {
  return new Kind<T>((text) => {
    const value = parse(text);
    return value === undefined ? { mustBe } : { value };
  });
}

/** Any text. */
export const text = new Kind<string>((value) => ({ value }));

/** `true` or `false`. */
export const flag = kind<boolean>('true or false', (value) =>
  value === 'true' ? true : value === 'false' ? false : undefined,
);

export function matching(pattern: RegExp, mustBe: string): Kind<string> {
  return kind(mustBe, (value) => (pattern.test(value) ? value : undefined));
}

export function oneOf<const V extends string>(...values: V[]): Kind<V> {
  const [first, second] = values;
  const mustBe = values.length === 2 ? `${first} or ${second}` : `one of ${values.join(', ')}`;
  return kind(mustBe, (value) => values.find((allowed) => allowed === value));
}

export interface IntegerOptions {
  /** What the number counts, said in the message: `seconds`, `milliseconds`. */
  unit?: string;
  /** The minimum turns the feature off. */
  minIsOff?: boolean;
  /** One value in the range that is refused all the same. */
  not?: number;
}

/** A decimal integer from `min` to `max`. */
export function integer(min: number, max: number, options: IntegerOptions = {}): Kind<number> {
  const counted = options.unit ? ` number of ${options.unit}` : '';
  const lowest = options.minIsOff ? `${min} (off)` : `${min}`;
  const except = options.not === undefined ? '' : `, not ${options.not}`;
  const mustBe = `an integer${counted} between ${lowest} and ${max}${except}`;
  return kind(mustBe, (value) => {
    if (!/^-?\d+$/.test(value)) return undefined;
    const number = Number(value);
    return number >= min && number <= max && number !== options.not ? number : undefined;
  });
}

export const seconds = (min: number, max: number) => integer(min, max, { unit: 'seconds' });

/** A secret of `min` to `max` characters; the message says which bound it broke. */
export function secret(min: number, max: number): Kind<string> {
  return new Kind<string>((value) => {
    if (value.length < min) return { mustBe: `at least ${min} characters` };
    if (value.length > max) return { mustBe: `at most ${max} characters` };
    return { value };
  });
}
