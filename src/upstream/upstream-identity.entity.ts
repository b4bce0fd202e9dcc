import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { User } from '../users/user.entity.js';
import { UpstreamConnection } from './upstream-connection.entity.js';

/** A local user's identity at an upstream platform (a Feishu open_id), per connection. */
@Entity({ name: 'upstream_identities' })
@Index('upstream_identities_user_idx', ['userId'])
export class UpstreamIdentity {
  @PrimaryColumn({ type: 'text' })
  connection!: string;

  @ManyToOne(() => UpstreamConnection, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'connection' })
  upstream?: UpstreamConnection;

  @PrimaryColumn({ name: 'external_id', type: 'text' })
  externalId!: string;

  @Column({ name: 'union_id', type: 'text', nullable: true })
  unionId!: string | null;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
