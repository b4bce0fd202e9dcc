import { HttpException } from '@nestjs/common';

/** An RFC 6750 §3.1 error: its status, its JSON body, and the challenge to send with it. */
export class BearerError extends HttpException {
  constructor(
    readonly error:
      'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable',
    readonly description: string,
    status: number,
    readonly requiredScope?: string,
  ) {
    super({ error, error_description: description }, status);
  }

  /** The WWW-Authenticate header value for this error (none for 503). */
  challenge(realm: string, resourceMetadata?: string): string | undefined {
    if (this.error === 'temporarily_unavailable') return undefined;
    return bearerChallenge(
      realm,
      this.error,
      this.description,
      this.requiredScope,
      resourceMetadata,
    );
  }
}

/**
 * RFC 6750 §3: the `WWW-Authenticate: Bearer …` value for a refused token, with RFC 9728
 * §5.1's `resource_metadata` URL when the service publishes one.
 */
export function bearerChallenge(
  realm: string,
  error: string,
  description: string,
  requiredScope?: string,
  resourceMetadata?: string,
): string {
  // Values are limited to %x20-21 / %x23-5B / %x5D-7E (no quote, backslash or non-ASCII,
  // which Node would also refuse in a header).
  const quote = (value: string) => `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`;
  const parts = [
    `realm=${quote(realm)}`,
    `error=${quote(error)}`,
    `error_description=${quote(description)}`,
  ];
  if (requiredScope) parts.push(`scope=${quote(requiredScope)}`);
  if (resourceMetadata) parts.push(`resource_metadata=${quote(resourceMetadata)}`);
  return `Bearer ${parts.join(', ')}`;
}
