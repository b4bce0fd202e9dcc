import http from 'node:http';
import { basicAuth, type Credentials, type HttpResponse } from '../../support/http-client.js';
import type { SecurityApp } from './security-app.js';

/**
 * A client that connects from a loopback address of its choosing (all of 127.0.0.0/8 is
 * local on Linux), so a test can be several remote addresses at once without any proxy.
 * What it sends and receives is remembered in the app's secret ledger like any request.
 */
export class SourceAddressClient {
  constructor(
    private readonly t: SecurityApp,
    readonly address: string,
  ) {}

  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string; auth?: Credentials } = {},
  ): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth && 'basic' in options.auth) {
      headers.authorization = basicAuth(...options.auth.basic);
      this.t.ledger.remember(options.auth.basic[1]);
    }
    if (options.auth && 'bearer' in options.auth) {
      headers.authorization = `Bearer ${options.auth.bearer}`;
      this.t.ledger.remember(options.auth.bearer);
    }
    this.t.ledger.rememberAuthorization(headers.authorization);
    if (options.body) this.t.ledger.rememberParams(new URLSearchParams(options.body));
    const url = new URL(path, this.t.baseUrl);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          localAddress: this.address,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              // Not JSON: the text is the body.
            }
            this.t.ledger.rememberObject(body);
            const answerHeaders = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              for (const item of ([] as string[]).concat(value ?? []))
                answerHeaders.append(name, item);
            }
            resolve({
              status: response.statusCode!,
              headers: answerHeaders,
              body: body as T,
              text,
            });
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(options.body);
    });
  }

  /** A form-encoded POST, as the OAuth endpoints take. */
  form<T = Record<string, unknown>>(
    path: string,
    params: Record<string, string>,
    auth?: Credentials,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse<T>> {
    return this.request<T>('POST', path, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(params).toString(),
      auth,
    });
  }
}
