const rules = new WeakMap<object, string>();

/**
 * Declares when a row of this entity's table has served its purpose (an SQL condition on its
 * columns), for ExpiredRowsSweeper: each module states the rule beside the table it owns.
 */
export function SweptWhen(expired: string): ClassDecorator {
  return (target) => {
    rules.set(target, expired);
  };
}

/** The condition `SweptWhen` declared for an entity class, if any. */
export function sweepConditionOf(target: unknown): string | undefined {
  return typeof target === 'function' ? rules.get(target) : undefined;
}
