export const RESOURCE_SERVER_OPTIONS = Symbol('RESOURCE_SERVER_OPTIONS');

/** A JWK Set (RFC 7517 §5); members beyond these are passed through to the key import. */
export interface JsonWebKeySetDocument {
  keys: { kty?: string; kid?: string; alg?: string; use?: string }[];
}

export interface ResourceServerOptions {
  /** The authorization server's issuer identifier; tokens must carry it as `iss`. */
  issuer: string;
  /** The audience(s) this resource server accepts in `aud`. */
  audience: string | string[];
  /** Where the issuer publishes its keys; defaults to `${issuer}/.well-known/jwks.json`. */
  jwksUri?: string;
  /** An in-process key source, for the authorization server guarding its own routes. */
  jwks?: () => Promise<JsonWebKeySetDocument> | JsonWebKeySetDocument;
  /** Signature algorithms accepted; never `none` nor HMAC. Default ES256 and RS256. */
  algorithms?: ('ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256')[];
  /** Seconds of clock difference tolerated on `exp`, `nbf` and `iat`. Default 5. */
  clockToleranceSeconds?: number;
  /** The realm named in WWW-Authenticate challenges. Default `portcullis`. */
  realm?: string;
}

export interface ResourceServerAsyncOptions {
  imports?: unknown[];
  inject?: unknown[];
  useFactory: (...args: never[]) => ResourceServerOptions | Promise<ResourceServerOptions>;
}
