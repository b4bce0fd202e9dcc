/**
 * What is measured: each row's servers and requests (one entry each), and what every entry
 * gathers over the run.
 */
import type { RunSummary } from './load-driver.js';
import {
  ARGON2_CONCURRENCY,
  BASELINE,
  BASELINE_TARGET,
  GROWTH,
  ROWS,
  USER_COUNT,
  type RowName,
} from './settings.js';

export type ServerKey =
  | 'portcullis'
  | 'baseline'
  | 'oidc-opaque'
  | 'oidc-jwt'
  | 'oauth2-server'
  | 'bare'
  | 'argon2'
  | 'sibling';

export interface EntrySpec {
  id: string;
  row: RowName;
  server: ServerKey;
  label: string;
  request: string;
  /** The entry this one is the denominator for: ratio = that one's req/s ÷ this one's. */
  ratioOf?: string;
  /** The least ratio the issue asks for, when it asks. */
  target?: number;
  /** Whether a failure here fails the run (Portcullis's own code). */
  ours: boolean;
}

const SPECS: EntrySpec[] = [
  {
    id: 'cc/portcullis',
    row: 'client_credentials',
    server: 'portcullis',
    label: 'Portcullis',
    request: 'POST /oauth/token grant_type=client_credentials scope=api:read (basic auth)',
    ours: true,
  },
  {
    id: 'cc/oidc-opaque',
    row: 'client_credentials',
    server: 'oidc-opaque',
    label: 'oidc-provider (opaque)',
    request: 'POST /token grant_type=client_credentials scope=api:read (basic auth)',
    ratioOf: 'cc/portcullis',
    target: 2.5,
    ours: false,
  },
  {
    id: 'cc/oidc-jwt',
    row: 'client_credentials',
    server: 'oidc-jwt',
    label: 'oidc-provider (ES256 JWT)',
    request: 'POST /token grant_type=client_credentials scope=api:read (basic auth)',
    ratioOf: 'cc/portcullis',
    ours: false,
  },
  {
    id: 'cc/oauth2-server',
    row: 'client_credentials',
    server: 'oauth2-server',
    label: 'oauth2-server (express)',
    request: 'POST /oauth/token grant_type=client_credentials scope=api:read (basic auth)',
    ratioOf: 'cc/portcullis',
    ours: false,
  },
  {
    id: 'cc/bare',
    row: 'client_credentials',
    server: 'bare',
    label: 'bare Nest GET /ping (ceiling)',
    request: 'GET /ping',
    ratioOf: 'cc/portcullis',
    target: 0.4,
    ours: false,
  },
  {
    id: 'refresh/portcullis',
    row: 'refresh',
    server: 'portcullis',
    label: 'Portcullis',
    request: 'POST /oauth/token grant_type=refresh_token (rotating; each token used once)',
    ours: true,
  },
  {
    id: 'refresh/oidc-opaque',
    row: 'refresh',
    server: 'oidc-opaque',
    label: 'oidc-provider (opaque)',
    request: 'POST /token grant_type=refresh_token (rotating; each token used once)',
    ratioOf: 'refresh/portcullis',
    target: 1,
    ours: false,
  },
  {
    id: 'refresh/oauth2-server',
    row: 'refresh',
    server: 'oauth2-server',
    label: 'oauth2-server (express)',
    request: 'POST /oauth/token grant_type=refresh_token (rotating; each token used once)',
    ratioOf: 'refresh/portcullis',
    ours: false,
  },
  {
    id: 'password/portcullis',
    row: 'password',
    server: 'portcullis',
    label: 'Portcullis',
    request: `POST /oauth/token grant_type=password, ${USER_COUNT} users round-robin`,
    ours: true,
  },
  {
    id: 'password/argon2',
    row: 'password',
    server: 'argon2',
    label: 'raw argon2id (hashes/s)',
    request: `hash() back to back, ${ARGON2_CONCURRENCY} in flight, one core`,
    ratioOf: 'password/portcullis',
    target: 0.85,
    ours: false,
  },
  {
    id: 'password/oauth2-server',
    row: 'password',
    server: 'oauth2-server',
    label: 'oauth2-server (express)',
    request: `POST /oauth/token grant_type=password, ${USER_COUNT} users round-robin`,
    ratioOf: 'password/portcullis',
    ours: false,
  },
  {
    id: 'introspection/portcullis',
    row: 'introspection',
    server: 'portcullis',
    label: 'Portcullis',
    request: "POST /oauth/introspect token=<valid access token> (the token's own client)",
    ours: true,
  },
  {
    id: 'introspection/oidc-opaque',
    row: 'introspection',
    server: 'oidc-opaque',
    label: 'oidc-provider (opaque)',
    request: "POST /token/introspection token=<valid access token> (the token's own client)",
    ratioOf: 'introspection/portcullis',
    target: 2,
    ours: false,
  },
  {
    id: 'jwks/portcullis',
    row: 'jwks',
    server: 'portcullis',
    label: 'Portcullis',
    request: 'GET /.well-known/jwks.json',
    ours: true,
  },
  {
    id: 'jwks/oidc-opaque',
    row: 'jwks',
    server: 'oidc-opaque',
    label: 'oidc-provider',
    request: 'GET /jwks',
    ratioOf: 'jwks/portcullis',
    ours: false,
  },
  {
    id: 'guard/guarded',
    row: 'guard',
    server: 'sibling',
    label: 'sibling GET /notes (guarded)',
    request: 'GET /notes, Authorization: Bearer <one reused access token>',
    ours: true,
  },
  {
    id: 'guard/public',
    row: 'guard',
    server: 'sibling',
    label: 'sibling GET /public',
    request: 'GET /public',
    ratioOf: 'guard/guarded',
    target: 0.85,
    ours: true,
  },
  {
    // The ratio is Bearer's req/s ÷ DPoP's: what verifying a proof per request costs the guard.
    id: 'guard/dpop',
    row: 'guard',
    server: 'sibling',
    label: 'sibling GET /notes (DPoP-bound)',
    request:
      'GET /notes, Authorization: DPoP <one reused bound token> and a fresh ES256 proof per request',
    ratioOf: 'guard/guarded',
    ours: true,
  },
  {
    id: 'dpop/portcullis',
    row: 'dpop',
    server: 'portcullis',
    label: 'Portcullis (DPoP-bound)',
    request:
      'POST /oauth/token grant_type=client_credentials scope=api:read (basic auth) with a fresh ES256 DPoP proof per request',
    ours: true,
  },
  {
    // The same server and client without a proof: the ratio is DPoP's req/s ÷ Bearer's.
    id: 'dpop/bearer',
    row: 'dpop',
    server: 'portcullis',
    label: 'Portcullis (Bearer, same run)',
    request: 'POST /oauth/token grant_type=client_credentials scope=api:read (basic auth)',
    ratioOf: 'dpop/portcullis',
    ours: true,
  },
];

/** Portcullis's own servers: the checkout under test, and BENCH_BASELINE's when given. */
export type PortcullisName = 'portcullis' | 'baseline';

/** How the baseline's entries are labelled in the report. */
export const BASELINE_LABEL = GROWTH ? 'Portcullis (empty database)' : 'Portcullis (baseline)';

/** The rows a Portcullis server answers itself (the guard row measures the sibling service). */
export const PORTCULLIS_ROWS = [
  'client_credentials',
  'refresh',
  'password',
  'introspection',
  'jwks',
  'dpop',
] as const satisfies readonly RowName[];
export type PortcullisRow = (typeof PORTCULLIS_ROWS)[number];

/** The entry of a Portcullis row: `cc/portcullis`, `refresh/baseline`, … */
export const portcullisEntryId = (row: PortcullisRow, name: PortcullisName) =>
  `${row === 'client_credentials' ? 'cc' : row}/${name}`;

/**
 * With BENCH_BASELINE, each Portcullis entry is followed by its baseline's: the same request to
 * the baseline checkout's server, whose ratio is Portcullis's req/s ÷ the baseline's.
 */
function withBaselines(specs: EntrySpec[]): EntrySpec[] {
  if (!BASELINE) return specs;
  return specs.flatMap((spec) =>
    // A row's one Portcullis entry is doubled (not dpop/bearer, its comparison in the same run).
    spec.server !== 'portcullis' ||
    spec.id !== portcullisEntryId(spec.row as PortcullisRow, 'portcullis')
      ? [spec]
      : [
          spec,
          {
            ...spec,
            id: portcullisEntryId(spec.row as PortcullisRow, 'baseline'),
            server: 'baseline',
            label: BASELINE_LABEL,
            ratioOf: spec.id,
            target: BASELINE_TARGET,
          },
        ],
  );
}

export interface Entry extends EntrySpec {
  warmups: RunSummary[];
  rounds: RunSummary[];
  /** Max over the server's starts of VmHWM, read at the end of its runs. */
  peakRssMb?: number;
  /** Max over the server's starts of VmRSS, read at the end of its runs. */
  endRssMb?: number;
  /** The first few wrong answers (status and body). */
  failures: string[];
  /** A measuring process that failed (the argon2 rate). */
  crashed?: string;
}

export const entries = new Map<string, Entry>(
  withBaselines(SPECS).map((spec) => [spec.id, { ...spec, warmups: [], rounds: [], failures: [] }]),
);

export const entry = (id: string): Entry => {
  const found = entries.get(id);
  if (!found) throw new Error(`no entry ${id}`);
  return found;
};

/** The entries among `ids` whose row this run measures. */
export const measured = (ids: string[]) => ids.filter((id) => ROWS.has(entry(id).row));

/** The measured entries of a Portcullis server. */
export const portcullisIdsOf = (name: PortcullisName) =>
  measured(PORTCULLIS_ROWS.map((row) => portcullisEntryId(row, name)));

export function noteFailure(target: Entry, status: number, body: string): void {
  if (target.failures.length >= 5) return;
  const line = `${status} ${body.replace(/\s+/g, ' ').slice(0, 400)}`;
  if (!target.failures.includes(line)) target.failures.push(line);
}
