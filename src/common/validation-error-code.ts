import 'reflect-metadata';

const KEY = 'portcullis:validation-error-code';

/**
 * Names the error code a DTO's validation failures are reported with, for APIs whose RFC
 * has its own (RFC 7591 `invalid_client_metadata`). Without it: `invalid_request`.
 */
export const ValidationErrorCode =
  (code: string): ClassDecorator =>
  (target) => {
    Reflect.defineMetadata(KEY, code, target);
  };

export function validationErrorCodeOf(target: object | undefined): string {
  return (target && validationErrorCodeOfType(target.constructor)) ?? 'invalid_request';
}

/** The code a DTO class names, if it names one. */
export function validationErrorCodeOfType(type: object): string | undefined {
  const code: unknown = Reflect.getMetadata(KEY, type);
  return typeof code === 'string' ? code : undefined;
}
