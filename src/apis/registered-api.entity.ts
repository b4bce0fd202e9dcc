import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamped.entity.js';

/** A scope an API defines, with the words the consent page shows for it. */
export interface ApiScope {
  value: string;
  description: string;
}

/**
 * A resource server (RFC 8707): its identifier is the `aud` of the access tokens issued for
 * it, and its scopes are its own, so two APIs may both define `read`.
 */
@Entity({ name: 'registered_apis' })
/** The admin list's order, walked by keyset. */
@Index('registered_apis_created_at_idx', ['createdAt', 'id'])
export class RegisteredApi extends TimestampedEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** An absolute URI without fragment; unique. */
  @Column({ type: 'text', unique: true })
  identifier!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  scopes!: ApiScope[];

  /** Seconds an access token for this API lives. */
  @Column({ name: 'access_token_ttl', type: 'integer' })
  accessTokenTtl!: number;

  /** Whether the API accepts only sender-constrained (DPoP) tokens. */
  @Column({ name: 'dpop_bound_access_tokens', type: 'boolean', default: false })
  dpopBoundAccessTokens!: boolean;
}
