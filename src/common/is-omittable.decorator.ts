import { ValidateIf } from 'class-validator';

/**
 * Like `IsOptional`, but only a field left out skips the field's rules: `null` is checked as
 * any other value (and so refused by them). `IsOptional` lets `null` through, which a service
 * then takes for a value and a NOT NULL column refuses with a 500. For a field that can be
 * unset with `null`, use `IsOptional`.
 */
export const IsOmittable = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);
