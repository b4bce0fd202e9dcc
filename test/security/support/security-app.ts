import { HttpClient, type Credentials, type HttpResponse } from '../../support/http-client.js';
import { startTestApp, type TestApp, type TestAppOptions } from '../../support/test-app.js';

/** Request and response fields whose values must never reach a log line. */
const SECRET_FIELDS = [
  'password',
  'client_secret',
  'refresh_token',
  'access_token',
  'id_token',
  'code',
  'code_verifier',
  'token',
  'assertion',
  'client_assertion',
  // A pushed request's reference (RFC 9126): whoever holds it within its minute can take it.
  'request_uri',
];

/** Values shorter than this are not distinctive enough to search for (e.g. "x"). */
const MIN_SECRET_LENGTH = 8;

/**
 * Remembers every credential that crosses the wire: from request bodies and headers, and
 * from answers (JSON bodies and `Location` query strings).
 */
export class SecretLedger {
  readonly values = new Set<string>();

  remember(...values: (string | undefined | null)[]): void {
    for (const value of values) {
      if (!value || value.length < MIN_SECRET_LENGTH) continue;
      this.values.add(value);
      // A JWT is found in a log by its signature as well as whole.
      const parts = value.split('.');
      if (parts.length === 3 && parts[2].length >= MIN_SECRET_LENGTH) this.values.add(parts[2]);
    }
  }

  rememberParams(params: URLSearchParams): void {
    for (const field of SECRET_FIELDS) this.remember(...params.getAll(field));
  }

  rememberObject(body: unknown): void {
    if (!body || typeof body !== 'object') return;
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (typeof value === 'string' && SECRET_FIELDS.includes(name)) this.remember(value);
    }
  }

  rememberAuthorization(header: string | undefined): void {
    if (!header) return;
    const [scheme, value] = header.split(' ', 2);
    if (/^bearer$/i.test(scheme)) this.remember(value);
    if (/^basic$/i.test(scheme) && value) {
      const decoded = Buffer.from(value, 'base64').toString();
      const colon = decoded.indexOf(':');
      if (colon < 0) return;
      const secret = decoded.slice(colon + 1);
      this.remember(secret);
      try {
        this.remember(decodeURIComponent(secret.replace(/\+/g, ' ')));
      } catch {
        // Not form-encoded: the raw value is remembered already.
      }
    }
  }

  /** The remembered values that occur in `text`. */
  foundIn(text: string): string[] {
    return [...this.values].filter((value) => text.includes(value));
  }
}

/** An HttpClient that writes every credential it sends or receives into a ledger. */
export class RecordingHttpClient extends HttpClient {
  constructor(
    baseUrl: string,
    private readonly ledger: SecretLedger,
  ) {
    super(baseUrl);
  }

  override async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string; auth?: Credentials } = {},
  ): Promise<HttpResponse<T>> {
    const ledger = this.ledger;
    const auth = options.auth;
    if (auth && 'basic' in auth) ledger.remember(auth.basic[1]);
    if (auth && 'bearer' in auth) ledger.remember(auth.bearer);
    ledger.rememberAuthorization(options.headers?.authorization);
    if (options.body) {
      const type = options.headers?.['content-type'] ?? '';
      if (type.includes('json')) {
        try {
          ledger.rememberObject(JSON.parse(options.body));
        } catch {
          // Malformed on purpose: nothing to remember.
        }
      } else {
        ledger.rememberParams(new URLSearchParams(options.body));
      }
    }
    ledger.rememberParams(new URL(path, this.baseUrl).searchParams);
    const response = await super.request<T>(method, path, options);
    ledger.rememberObject(response.body);
    const location = response.headers.get('location');
    if (location) {
      const url = new URL(location, this.baseUrl);
      ledger.rememberParams(url.searchParams);
      ledger.rememberParams(new URLSearchParams(url.hash.slice(1)));
    }
    return response;
  }
}

export interface SecurityApp extends TestApp {
  http: RecordingHttpClient;
  ledger: SecretLedger;
  /** Every log line the server wrote so far (stdout and stderr). */
  logs(): string;
  /** Fails the test when any remembered credential occurs in the server's logs. */
  expectNoSecretInLogs(): Promise<void>;
}

/**
 * A test app for the attack suite: it logs at debug (every request, successes too), and
 * every credential the test's client sends or receives is remembered, so that `afterAll`
 * can search the whole of the server's output for them.
 */
export async function startSecurityApp(options: TestAppOptions = {}): Promise<SecurityApp> {
  const app = await startTestApp({
    ...options,
    env: { LOG_LEVEL: 'debug', ...options.env },
  });
  const ledger = new SecretLedger();
  ledger.remember(app.admin.secret, app.env.KEY_ENCRYPTION_SECRET, app.env.COOKIE_SECRET);
  const http = new RecordingHttpClient(app.baseUrl, ledger);
  const logs = () => `${app.server.stdout()}\n${app.server.stderr()}`;
  return Object.assign(app, {
    http,
    ledger,
    logs,
    async expectNoSecretInLogs() {
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the last lines flush
      expect(logs().length).toBeGreaterThan(0);
      expect(ledger.foundIn(logs())).toEqual([]);
    },
  });
}
