import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SweptWhen } from '../database/swept-when.decorator.js';

/**
 * Every access token still within its lifetime, by whom it was issued to: what revoking a
 * grant, a client or a user finds its live tokens by. Written in the statement that records
 * the issuance (with its audit row); swept once the token has expired. No foreign keys: a
 * row is checked at no cost on the hottest insert, and a deleted client's tokens are dead
 * anyway.
 */
@SweptWhen('expires_at < now()')
@Entity({ name: 'issued_access_tokens' })
@Index('issued_access_tokens_user_idx', ['userId'], { where: '"user_id" IS NOT NULL' })
@Index('issued_access_tokens_family_idx', ['familyId'], { where: '"family_id" IS NOT NULL' })
// BRIN: rows arrive in expiry order, so the sweeper's range costs next to nothing to index.
@Index('issued_access_tokens_expires_idx', { synchronize: false })
export class IssuedAccessToken {
  /** First in the key: a client's tokens are one range of it. */
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId!: string;

  @PrimaryColumn({ type: 'text' })
  jti!: string;

  /** The resource owner; null for a client's token for itself. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  /** The refresh-token family (grant) it was issued with, when there is one. */
  @Column({ name: 'family_id', type: 'uuid', nullable: true })
  familyId!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
