import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Client } from '../clients/client.entity.js';
import { User } from '../users/user.entity.js';
import { SweptWhen } from '../database/swept-when.decorator.js';

/**
 * The refresh tokens descending from one original grant. Reuse of a consumed token revokes
 * the whole family; the family also bounds how long the grant can be refreshed at all.
 */
@SweptWhen('expires_at < now()')
@Entity({ name: 'refresh_token_families' })
@Index('refresh_token_families_client_idx', ['clientId'])
@Index('refresh_token_families_user_idx', ['userId'])
export class RefreshTokenFamily {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;

  /** Deleting the client ends its grants. */
  @ManyToOne(() => Client, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id' })
  client?: Client;

  /** The resource owner; null when a client holds the grant for itself. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** The scope originally granted; a refresh may narrow the access token, never widen. */
  @Column({ type: 'text' })
  scope!: string;

  /** The audiences (RFC 8707) the grant may have access tokens for; empty: the issuer only. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  resources!: string[];

  /** The audience of a refresh that names no `resource`; null: the issuer. */
  @Column({ type: 'text', nullable: true })
  audience!: string | null;

  /**
   * RFC 9449 §5: the thumbprint of the key a public client's refresh tokens are bound to; a
   * refresh must come with a proof by that key. Null: not bound (confidential clients).
   */
  @Column({ name: 'dpop_jkt', type: 'text', nullable: true })
  dpopJkt!: string | null;

  /** Its access tokens are DPoP-bound: a refresh must come with a proof again (RFC 9449 §5). */
  @Column({ name: 'dpop_bound', type: 'boolean', default: false })
  dpopBound!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Absolute end of the family, whatever its tokens' own expiry. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_reason', type: 'text', nullable: true })
  revokedReason!: string | null;
}
