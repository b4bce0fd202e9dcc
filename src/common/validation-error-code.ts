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
  const code: unknown = target ? Reflect.getMetadata(KEY, target.constructor) : undefined;
  return typeof code === 'string' ? code : 'invalid_request';
}
