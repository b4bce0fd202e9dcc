export interface HttpResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export type Credentials = { basic: [string, string] } | { bearer: string } | undefined;

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 wants Basic credentials encoded. */
export const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;
}

/** A tiny fetch wrapper that always returns status, headers and the parsed body. */
export class HttpClient {
  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: {
      headers?: Record<string, string>;
      body?: string;
      auth?: Credentials;
      /** Aborts the request (a client's timeout, say). */
      signal?: AbortSignal;
    } = {},
  ): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth && 'basic' in options.auth)
      headers.authorization = basicAuth(...options.auth.basic);
    if (options.auth && 'bearer' in options.auth)
      headers.authorization = `Bearer ${options.auth.bearer}`;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body,
      signal: options.signal,
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: the text is the body.
    }
    return { status: response.status, headers: response.headers, body: body as T, text };
  }

  /** A form-encoded POST, as the token endpoint takes. */
  form<T = Record<string, unknown>>(
    path: string,
    params: Record<string, string | string[]>,
    auth?: Credentials,
  ) {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    }
    return this.request<T>('POST', path, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
      auth,
    });
  }

  json<T = Record<string, unknown>>(
    method: string,
    path: string,
    payload: unknown,
    auth?: Credentials,
  ) {
    return this.request<T>(method, path, {
      headers: { 'content-type': 'application/json' },
      body: typeof payload === 'string' ? payload : JSON.stringify(payload),
      auth,
    });
  }

  get<T = Record<string, unknown>>(path: string, auth?: Credentials) {
    return this.request<T>('GET', path, { auth });
  }

  /** A client_credentials access token for the given client. */
  async clientToken(id: string, secret: string, scope?: string): Promise<string> {
    const response = await this.form<{ access_token: string }>(
      '/oauth/token',
      { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
      { basic: [id, secret] },
    );
    if (response.status !== 200)
      throw new Error(`token request failed: ${response.status} ${response.text}`);
    return response.body.access_token;
  }
}
