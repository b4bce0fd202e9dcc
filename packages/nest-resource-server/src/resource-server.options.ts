import type { DpopReplayStore } from './dpop-replay.js';

export const RESOURCE_SERVER_OPTIONS = Symbol('RESOURCE_SERVER_OPTIONS');

/** A JWK Set (RFC 7517 §5); members beyond these are passed through to the key import. */
export interface JsonWebKeySetDocument {
  keys: { kty?: string; kid?: string; alg?: string; use?: string }[];
}

export interface IntrospectionOptions {
  /** The client this service introspects as (registered at Portcullis with scope `introspect`). */
  clientId: string;
  clientSecret: string;
  /** Defaults to the issuer's `introspection_endpoint` from its metadata. */
  endpoint?: string;
  /** How long an answer is trusted, by `jti`. Default 5 seconds. */
  cacheSeconds?: number;
}

/** RFC 9728 protected resource metadata for the service the guard protects. */
export interface ProtectedResourceMetadataOptions {
  /**
   * This service's resource identifier (RFC 9728 §1.2): an absolute https URL (http for local
   * development), no fragment. The metadata is served at the URL §3.1 derives from it.
   */
  resource: string;
  /** `scopes_supported`: the scopes this service's routes ask for. */
  scopesSupported?: string[];
  /** `resource_name`: a human-readable name for the service. */
  resourceName?: string;
  /** `resource_documentation`: a URL of documentation for developers. */
  resourceDocumentation?: string;
}

/**
 * Server-issued DPoP nonces (RFC 9449 §9). Every instance must accept the nonces the others
 * hand out: derive them from the time and a shared secret rather than keep them in memory.
 */
export interface DpopNonceSource {
  /** The nonce to hand out now, as `DPoP-Nonce`. */
  current(): string;
  /** Whether a proof's `nonce` is (still) accepted. */
  check(nonce: string): boolean;
}

/**
 * DPoP-bound access tokens (RFC 9449 §7). Tokens with a `cnf.jkt` claim are accepted only
 * under the DPoP scheme with a proof of that key, whatever these options say.
 */
export interface DpopOptions {
  /**
   * Accept DPoP-bound tokens only (an API registered with `dpop_bound_access_tokens`): a
   * token without `cnf.jkt`, or any token under the Bearer scheme, is refused. Default false.
   */
  required?: boolean;
  /**
   * The URL clients reach this service at (scheme, host, port and any path prefix a proxy
   * strips); a proof's `htu` must be it followed by the request's path. Default: the
   * request's protocol and Host header as the framework reports them, which behind a proxy
   * are right only with the framework's `trustProxy` set. Setting it is safer.
   */
  publicBaseUrl?: string;
  /** Ask for server nonces: a proof without a current one gets 401 `use_dpop_nonce`. */
  nonce?: DpopNonceSource;
  /**
   * Where accepted proofs are recorded so each is used once. Default: this process's memory
   * (`InMemoryDpopReplayCache`), bounded by `replayCacheEntries`; with several instances,
   * plug a shared store so a proof replayed at another instance is refused too.
   */
  replayStore?: DpopReplayStore;
  /**
   * Bound of the in-memory replay cache. At the bound, with every entry still within its
   * window, new proofs are refused with 503 rather than an entry forgotten. Default 200000.
   */
  replayCacheEntries?: number;
  /** How far a proof's `iat` may be in the future. Default 10 seconds. */
  clockSkewSeconds?: number;
  /** How old a proof's `iat` may be (plus the skew). Default 60 seconds. */
  maxAgeSeconds?: number;
}

export interface ResourceServerOptions {
  /** The authorization server's issuer identifier; tokens must carry it as `iss`. */
  issuer: string;
  /** The audience(s) this resource server accepts in `aud`. */
  audience: string | string[];
  /** Where the issuer publishes its keys; by default read from the issuer's metadata. */
  jwksUri?: string;
  /** An in-process key source, for the authorization server guarding its own routes. */
  jwks?: () => Promise<JsonWebKeySetDocument> | JsonWebKeySetDocument;
  /** Signature algorithms accepted; never `none` nor HMAC. Default ES256 and RS256. */
  algorithms?: ('ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256')[];
  /** Seconds of clock difference tolerated on `exp`, `nbf` and `iat`. Default 5. */
  clockToleranceSeconds?: number;
  /**
   * Least seconds between two refetches of a remote JWKS for an unknown `kid`: new keys are
   * picked up this fast, and forged kids cost the issuer at most one request per interval.
   * Default 2.
   */
  jwksRefetchIntervalSeconds?: number;
  /** The realm named in WWW-Authenticate challenges. Default `portcullis`. */
  realm?: string;
  /** Revocation-aware mode: also ask the issuer whether each token is still active. */
  introspection?: IntrospectionOptions;
  /**
   * Serve RFC 9728 metadata at `/.well-known/oauth-protected-resource[/<path>]` and name it
   * in every challenge the guard sends (`resource_metadata="…"`, §5.1).
   */
  resourceMetadata?: ProtectedResourceMetadataOptions;
  /** DPoP-bound tokens (RFC 9449): nonces, replay store, the proof window. */
  dpop?: DpopOptions;
}

export interface ResourceServerAsyncOptions {
  imports?: unknown[];
  inject?: unknown[];
  useFactory: (...args: never[]) => ResourceServerOptions | Promise<ResourceServerOptions>;
}
