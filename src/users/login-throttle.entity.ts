import { Column, Entity, PrimaryColumn } from 'typeorm';
import { SweptWhen } from '../database/swept-when.decorator.js';

/**
 * Failed sign-ins counted per account and per remote address, and failed client
 * authentications per client_id and address and per address (countFailure), in the database
 * so the count holds across instances.
 */
// A counter idle for a day, and not locking anyone out.
@SweptWhen(
  "window_started_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())",
)
@Entity({ name: 'login_throttles' })
export class LoginThrottle {
  /**
   * `account:<lower-case username>`, `ip:<address>`, `client:<address> <client_id>` or
   * `client-ip:<address>`.
   */
  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ type: 'integer' })
  failures!: number;

  @Column({ name: 'window_started_at', type: 'timestamptz' })
  windowStartedAt!: Date;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;
}
