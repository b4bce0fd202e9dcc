import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { PartitionedByMonth } from '../database/partitioned-by-month.decorator.js';

export const AUDIT_EVENT_TYPES = [
  'token.issued',
  'refresh.rotated',
  'refresh.reuse_detected',
  'token.revoked',
  'login.failed',
  'login.locked',
  'consent.granted',
  'consent.revoked',
  'client.created',
  'client.updated',
  'client.disabled',
  'client.enabled',
  'client.secret_rotated',
  'client.deleted',
  'client.locked',
  'user.created',
  'user.updated',
  'user.disabled',
  'user.enabled',
  'user.deleted',
  'key.rotated',
  'api.created',
  'api.updated',
  'api.deleted',
  'token.exchanged',
  'upstream.connection_changed',
  'upstream.token_minted',
  'upstream.sign_in',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/**
 * Something that happened to a credential or a registration; never holds a secret. The table
 * is partitioned by month on `at` (so the key is `id` and `at`), and a month is dropped whole
 * once AUDIT_RETENTION_DAYS have passed since its end.
 */
@PartitionedByMonth({ column: 'at', retentionDays: (config) => config.auditRetentionDays })
@Entity({ name: 'audit_events' })
@Index('audit_events_client_idx', ['clientId', 'id'])
@Index('audit_events_user_idx', ['userId', 'id'])
@Index('audit_events_type_idx', ['type', 'id'])
export class AuditEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @CreateDateColumn({ type: 'timestamptz', primary: true })
  at!: Date;

  @Column({ type: 'text' })
  type!: AuditEventType;

  /** The client the event concerns (or that acted, for admin changes). */
  @Column({ name: 'client_id', type: 'text', nullable: true })
  clientId!: string | null;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  /** Non-secret facts: scopes, grant type, jti, family id, reason. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  details!: object;
}
