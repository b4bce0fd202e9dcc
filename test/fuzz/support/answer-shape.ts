import type { RawResponse } from './raw-http.js';

/** What an endpoint answers errors with: RFC 6749-style JSON, or an HTML page for a person. */
export type Surface = 'api' | 'page';

/** RFC 6749 §5.2: error codes are NQSCHAR, printable ASCII without `"` and `\`. */
export const ERROR_CODE = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

/** A stack frame, a driver error or SQL in an answer is an internal leaking out. */
const INTERNALS = /\n\s+at [^\n]*:\d+:\d+|QueryFailedError|TypeORMError|syntax error at or near/;

function header(response: RawResponse, name: string): string {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/** The `error` parameter a redirect carries back to a client, in its query or fragment. */
export function redirectError(response: RawResponse): string | undefined {
  const location = header(response, 'location');
  if (!location || response.status < 300 || response.status >= 400) return undefined;
  const url = new URL(location, 'http://portcullis.invalid');
  return (
    url.searchParams.get('error') ??
    new URLSearchParams(url.hash.slice(1)).get('error') ??
    undefined
  );
}

/** A 4xx, or a redirect that carries an error to the client: the request was refused. */
export function isRefusal(response: RawResponse): boolean {
  return response.status >= 400 || redirectError(response) !== undefined;
}

/** Everything wrong with an answer; empty when it is what RFC 6749/6750 and the pages promise. */
export function answerProblems(surface: Surface, method: string, response: RawResponse): string[] {
  const problems: string[] = [];
  const { status } = response;
  if (status >= 500) problems.push(`answered ${status}`);
  if (redirectError(response) === 'server_error') problems.push('redirected with server_error');
  if (INTERNALS.test(response.text)) problems.push('the answer shows internals');
  // HEAD answers carry no body, and 1xx-3xx answers need no error shape.
  if (status < 400 || method === 'HEAD') return problems;

  const contentType = header(response, 'content-type');
  // Refused while the request line or headers were read, before any route was known (and
  // so before the onRequest hook that sets nosniff on every routed answer): always JSON.
  const connectionLevel = !header(response, 'x-content-type-options');
  if (surface === 'page' && !connectionLevel) {
    if (!/^text\/html\s*;\s*charset=utf-8$/i.test(contentType))
      problems.push(`error page with content-type "${contentType}"`);
    if (!/^<!doctype html>/i.test(response.text.trimStart()))
      problems.push('error page is not an HTML document');
    return problems;
  }

  if (!/^application\/json\s*(;|$)/i.test(contentType))
    problems.push(`error with content-type "${contentType}"`);
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    problems.push(`error body is not JSON: ${response.text.slice(0, 120)}`);
    return problems;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    problems.push('error body is not a JSON object');
    return problems;
  }
  const { error, error_description } = body as Record<string, unknown>;
  if (typeof error !== 'string' || !ERROR_CODE.test(error))
    problems.push(`error member ${JSON.stringify(error)} is not an RFC 6749 error code`);
  if (error_description !== undefined && typeof error_description !== 'string')
    problems.push('error_description is not a string');
  if (status === 401 && !header(response, 'www-authenticate'))
    problems.push('401 without WWW-Authenticate');
  return problems;
}
