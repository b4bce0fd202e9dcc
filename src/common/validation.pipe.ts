import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { OAuthError } from './oauth-error.js';
import { validationErrorCodeOf, validationErrorCodeOfType } from './validation-error-code.js';

/**
 * Deeper than any DTO here nests (a client's JWKS is the deepest, at four levels). A body
 * nested thousands deep would overflow the stack of class-transformer's recursion: a 500.
 */
export const MAX_INPUT_DEPTH = 32;

function messages(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property)
        ? `${field}${message.slice(error.property.length)}`
        : message,
    );
    return [...own, ...messages(error.children ?? [], field)];
  });
}

/** Whether `value` nests objects or arrays more than `limit` levels deep (without recursion). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

/** Refuses input nested past MAX_INPUT_DEPTH before the DTO machinery recurses into it. */
class DepthLimitedValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (nestedDeeperThan(value, MAX_INPUT_DEPTH)) {
      const code = metadata.metatype ? validationErrorCodeOfType(metadata.metatype) : undefined;
      throw new OAuthError(
        code ?? 'invalid_request',
        `the ${metadata.type} nests deeper than ${MAX_INPUT_DEPTH} levels`,
      );
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/** The global DTO pipe: whitelisted, unknown fields refused, failures as RFC-shaped errors. */
export function createValidationPipe(): ValidationPipe {
  return new DepthLimitedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: true, value: false },
    exceptionFactory: (errors) =>
      new OAuthError(validationErrorCodeOf(errors[0]?.target), messages(errors).join('; ')),
  });
}
