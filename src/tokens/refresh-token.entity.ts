import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { RefreshTokenFamily } from './refresh-token-family.entity.js';
import { SweptWhen } from '../database/swept-when.decorator.js';

/**
 * One refresh token of a family, known only by its key: its creation time and the SHA-256 of its
 * value (refresh-token-key.ts; tokens of the earlier form, the digest alone).
 */
@SweptWhen('expires_at < now()')
@Entity({ name: 'refresh_tokens' })
@Index('refresh_tokens_family_idx', ['familyId'])
export class RefreshToken {
  @PrimaryColumn({ type: 'bytea' })
  digest!: Buffer;

  @Column({ name: 'family_id', type: 'uuid' })
  familyId!: string;

  @ManyToOne(() => RefreshTokenFamily, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'family_id' })
  family?: RefreshTokenFamily;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** Set once, by the one request that rotated this token. */
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;
}
