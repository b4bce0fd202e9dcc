import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SweptWhen } from '../database/swept-when.decorator.js';

/** A `jti` of a client assertion already seen; kept until the assertion expires. */
@SweptWhen('expires_at < now()')
@Entity({ name: 'used_assertions' })
@Index('used_assertions_expires_idx', ['expiresAt'])
export class UsedAssertion {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId!: string;

  @PrimaryColumn({ type: 'text' })
  jti!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
