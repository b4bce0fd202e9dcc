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
 * The one error type of the server. Whatever throws it, the exception filter renders it as
 * `{"error": ..., "error_description": ...}` with its status and headers.
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
    } = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
    this.status = options.status ?? STATUS[error] ?? 400;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }

  readonly headers: Record<string, string>;
  /** Further members of the error body, such as `upstream_error`. */
  readonly extra: Record<string, unknown>;

  static invalidRequest(description: string): OAuthError {
    return new OAuthError('invalid_request', description);
  }

  /** RFC 6749 §5.2: a 401 invalid_client carries a challenge for the scheme the client may use. */
  static invalidClient(description = 'client authentication failed'): OAuthError {
    return new OAuthError('invalid_client', description, {
      headers: { 'WWW-Authenticate': 'Basic realm="portcullis", charset="UTF-8"' },
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
