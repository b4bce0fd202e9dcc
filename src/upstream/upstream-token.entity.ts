import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { UpstreamConnection } from './upstream-connection.entity.js';

/** A cached upstream token for one connection and one subject (session or user), encrypted. */
@Entity({ name: 'upstream_tokens' })
export class UpstreamToken {
  @PrimaryColumn({ type: 'text' })
  connection!: string;

  @ManyToOne(() => UpstreamConnection, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'connection' })
  upstream?: UpstreamConnection;

  /** Whose token: a Coze session name, a Feishu user, or `app`/`tenant`. */
  @PrimaryColumn({ type: 'text' })
  subject!: string;

  @Column({ name: 'token_encrypted', type: 'bytea' })
  tokenEncrypted!: Buffer;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'refresh_encrypted', type: 'bytea', nullable: true })
  refreshEncrypted!: Buffer | null;

  @Column({ name: 'refresh_expires_at', type: 'timestamptz', nullable: true })
  refreshExpiresAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
