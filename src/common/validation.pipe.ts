import { ValidationError, ValidationPipe } from '@nestjs/common';
import { OAuthError } from './oauth-error.js';
import { validationErrorCodeOf } from './validation-error-code.js';

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

/** The global DTO pipe: whitelisted, unknown fields refused, failures as RFC-shaped errors. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: true, value: false },
    exceptionFactory: (errors) =>
      new OAuthError(validationErrorCodeOf(errors[0]?.target), messages(errors).join('; ')),
  });
}
