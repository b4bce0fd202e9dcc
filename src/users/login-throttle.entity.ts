import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Failed sign-ins counted per account and per remote address, and failed client
 * authentications per client_id and address and per address (countFailure), in the database
 * so the count holds across instances.
 */
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
