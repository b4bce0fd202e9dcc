import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamped.entity.js';

/** A person who signs in. Usernames are unique regardless of case. */
@Entity({ name: 'users' })
@Index('users_username_lower_key', { synchronize: false })
@Index('users_created_at_idx', ['createdAt', 'id'])
export class User extends TimestampedEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  username!: string;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  /** argon2id PHC string; never selected unless asked for. */
  @Column({ name: 'password_hash', type: 'text', select: false })
  passwordHash!: string;

  /** Space-separated scopes this user may grant; null for no limit beyond the client's. */
  @Column({ type: 'text', nullable: true })
  scope!: string | null;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;
}
