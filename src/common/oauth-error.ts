import { bearerChallenge } from '@portcullis/nest-resource-server';

/** The realm of every challenge Portcullis sends for its own APIs. */
export const REALM = 'portcullis';

/** Status codes per RFC 6749 §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2, RFC 7009 and RFC 7662. */
const STATUS: Record<string, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_token_type: 400,
  invalid_scope: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  access_denied: 403,
  invalid_client_metadata: 400,
  invalid_redirect_uri: 400,
  not_found: 404,
  conflict: 409,
  too_many_requests: 429,
  server_error: 500,
  temporarily_unavailable: 503,
};

/**
 * The one error type of the server. Whatever throws it, it is rendered in one of two ways:
 * as `{"error": ..., "error_description": ...}` with its status and headers
 * (error-response.ts), or as a page for a person (authorization/page-error.reply.ts). At the
 * authorize endpoint, once the redirect URI is trusted, it goes back to the client instead.
 * Anything else thrown is turned into one first (asOAuthError).
 */
export class OAuthError extends Error {
  readonly status: number;

  constructor(
    readonly error: string,
    readonly description: string,
    options: {
      status?: number;
      headers?: Record<string, string>;
      extra?: Record<string, unknown>;
      /** The heading when shown as a page; by default one for its status. */
      title?: string;
    } = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
    this.status = options.status ?? STATUS[error] ?? 400;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
    this.title = options.title;
  }

  readonly headers: Record<string, string>;
  /** Further members of the error body, such as `upstream_error`. */
  readonly extra: Record<string, unknown>;
  readonly title?: string;

  static invalidRequest(description: string): OAuthError {
    return new OAuthError('invalid_request', description);
  }

  /** RFC 6749 §5.2: a 401 invalid_client carries a challenge for the scheme the client may use. */
  static invalidClient(description = 'client authentication failed'): OAuthError {
    return new OAuthError('invalid_client', description, {
      headers: { 'WWW-Authenticate': 'Basic realm="portcullis", charset="UTF-8"' },
    });
  }

  /**
   * RFC 6750 §3.1: a bearer token refused by one of Portcullis's own APIs, with the same
   * challenge the guard library sends.
   */
  static bearer(
    error: 'invalid_request' | 'invalid_token' | 'insufficient_scope',
    description: string,
    requiredScope?: string,
  ): OAuthError {
    return new OAuthError(error, description, {
      headers: { 'WWW-Authenticate': bearerChallenge(REALM, error, description, requiredScope) },
    });
  }

  static notFound(what: string): OAuthError {
    return new OAuthError('not_found', `${what} not found`);
  }
}

/** The error code an HTTP status stands for, for errors thrown by the framework. */
export function errorCodeForStatus(status: number): string {
  const code = Object.entries(STATUS).find(
    ([name, value]) =>
      value === status &&
      !['invalid_client', 'invalid_grant', 'unauthorized_client'].includes(name),
  );
  if (code) return code[0];
  return status >= 500 ? 'server_error' : 'invalid_request';
}
