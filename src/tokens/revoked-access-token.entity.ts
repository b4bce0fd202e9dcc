import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SweptWhen } from '../database/swept-when.decorator.js';

/** An access token revoked before its expiry; kept until it would have expired anyway. */
@SweptWhen('expires_at < now()')
@Entity({ name: 'revoked_access_tokens' })
@Index('revoked_access_tokens_expires_idx', ['expiresAt'])
export class RevokedAccessToken {
  @PrimaryColumn({ type: 'text' })
  jti!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
