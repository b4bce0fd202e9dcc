import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Scope } from '../common/scope.js';
import { TimestampedEntity } from '../database/timestamped.entity.js';
import type { SigningAlg } from '../keys/signing-algorithms.js';

export type TokenEndpointAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none';

/** A JWK's members as stored: strings, with the odd array (key_ops, x5c). */
export type JwkMembers = Record<string, string | string[]>;

export interface JsonWebKeySet {
  keys: JwkMembers[];
}

/** A registered client application, with its RFC 7591 metadata. */
@Entity({ name: 'clients' })
@Index('clients_created_at_idx', ['createdAt', 'clientId'])
export class Client extends TimestampedEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId!: string;

  @Column({ name: 'client_name', type: 'text' })
  clientName!: string;

  @Column({ name: 'redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  redirectUris!: string[];

  @Column({ name: 'grant_types', type: 'text', array: true, default: () => "'{}'" })
  grantTypes!: string[];

  @Column({ name: 'response_types', type: 'text', array: true, default: () => "'{}'" })
  responseTypes!: string[];

  /** Space-separated scopes this client may be granted. */
  @Column({ type: 'text', default: '' })
  scope!: string;

  @Column({ name: 'token_endpoint_auth_method', type: 'text' })
  tokenEndpointAuthMethod!: TokenEndpointAuthMethod;

  @Column({ type: 'jsonb', nullable: true })
  jwks!: JsonWebKeySet | null;

  /** SHA-256 of the client secret; null for public clients. */
  @Column({ name: 'secret_digest', type: 'bytea', nullable: true, select: false })
  secretDigest!: Buffer | null;

  /**
   * For client_secret_jwt only: the secret itself, AES-256-GCM under KEY_ENCRYPTION_SECRET
   * and bound to the client_id, since an HMAC (RFC 7523 §2.2) is checked with the secret, not
   * its digest. Null for every other method.
   */
  @Column({ name: 'secret_encrypted', type: 'bytea', nullable: true, select: false })
  secretEncrypted!: Buffer | null;

  /** The algorithm of this client's ID tokens (OIDC Registration §2); null: SIGNING_ALG. */
  @Column({ name: 'id_token_signed_response_alg', type: 'text', nullable: true })
  idTokenSignedResponseAlg!: SigningAlg | null;

  /** When set, UserInfo answers this client with a JWT signed with it (OIDC Core §5.3.2). */
  @Column({ name: 'userinfo_signed_response_alg', type: 'text', nullable: true })
  userinfoSignedResponseAlg!: SigningAlg | null;

  /** PKCE required for this client (always for public clients). */
  @Column({ name: 'require_pkce', type: 'boolean', default: true })
  requirePkce!: boolean;

  /** Whether `plain` PKCE is accepted; S256 otherwise. */
  @Column({ name: 'allow_plain_pkce', type: 'boolean', default: false })
  allowPlainPkce!: boolean;

  /** Browser origins that may call the token-side endpoints (CORS). */
  @Column({ name: 'allowed_cors_origins', type: 'text', array: true, default: () => "'{}'" })
  allowedCorsOrigins!: string[];

  /**
   * The APIs (RFC 8707) this client may get tokens for, each with the space-separated scopes
   * it may ask for there.
   */
  @Column({ name: 'resource_scopes', type: 'jsonb', default: () => "'{}'" })
  resourceScopes!: Record<string, string>;

  /** The API of a request that names none; null: the issuer, Portcullis's own APIs. */
  @Column({ name: 'default_resource', type: 'text', nullable: true })
  defaultResource!: string | null;

  /** Whether token exchange (RFC 8693) may issue tokens without `act`, as the subject. */
  @Column({ name: 'token_exchange_impersonation', type: 'boolean', default: false })
  tokenExchangeImpersonation!: boolean;

  /**
   * Whether this client must push its authorization requests (RFC 9126 §6): the authorize
   * endpoint then takes only a request_uri from it.
   */
  @Column({ name: 'require_pushed_authorization_requests', type: 'boolean', default: false })
  requirePushedAuthorizationRequests!: boolean;
  /** RFC 9449 §5.2: every token request must carry a DPoP proof, so every access token is bound. */
  @Column({ name: 'dpop_bound_access_tokens', type: 'boolean', default: false })
  dpopBoundAccessTokens!: boolean;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  get isPublic(): boolean {
    return this.tokenEndpointAuthMethod === 'none';
  }

  /** Whether the client authenticates with a shared secret (Basic, post or an HMAC JWT). */
  get usesSecret(): boolean {
    return (
      this.tokenEndpointAuthMethod === 'client_secret_basic' ||
      this.tokenEndpointAuthMethod === 'client_secret_post' ||
      this.tokenEndpointAuthMethod === 'client_secret_jwt'
    );
  }

  /** `scope` as a Scope; the column stays the text it always was. */
  get scopes(): Scope {
    return Scope.stored(this.scope);
  }
}
