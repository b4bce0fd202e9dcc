import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { Page } from '../common/pagination.query.js';
import { GroupCommit } from '../database/group-commit.js';
import { preparedQuery } from '../database/prepared-query.js';
import { AuditEvent, type AuditEventType } from './audit-event.entity.js';

export interface AuditRecord {
  type: AuditEventType;
  clientId?: string | null;
  userId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  type?: AuditEventType;
  clientId?: string;
  userId?: string;
  since?: Date;
  until?: Date;
}

/** Who did something, as far as an audit row needs to know. */
export interface Actor {
  ip?: string;
  /** The client acting (the admin client for admin API changes). */
  clientId?: string;
}

type AuditRow = [Date, string, string | null, string | null, string | null, string];

/** One statement for a batch of any size, so PostgreSQL plans it once. */
const INSERT_BATCH = `INSERT INTO audit_events (at, type, client_id, user_id, ip, details)
  SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::jsonb[])`;

/**
 * The audit trail. Rows are written by group commit: a caller waits until its row is
 * committed, and rows recorded meanwhile share the next statement (GroupCommit).
 */
@Injectable()
export class AuditService {
  private readonly writer = new GroupCommit<AuditRow, void>({
    write: async (rows) => {
      const columns = rows[0].map((_, index) => rows.map((row) => row[index]));
      await preparedQuery(this.dataSource, 'audit-insert-batch', INSERT_BATCH, columns);
      return rows.map(() => undefined);
    },
    maxBatch: 500,
    maxInFlight: 2,
    minIntervalMs: 4,
  });

  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  record(event: AuditRecord): Promise<void> {
    return this.writer.submit([
      new Date(),
      event.type,
      event.clientId ?? null,
      event.userId ?? null,
      event.ip ?? null,
      JSON.stringify(event.details ?? {}),
    ]);
  }

  /** Newest first. */
  async list(filter: AuditFilter, limit: number, offset: number): Promise<Page<AuditEvent>> {
    const query = this.events.createQueryBuilder('event');
    if (filter.type) query.andWhere('event.type = :type', { type: filter.type });
    if (filter.clientId)
      query.andWhere('event.clientId = :clientId', { clientId: filter.clientId });
    if (filter.userId) query.andWhere('event.userId = :userId', { userId: filter.userId });
    if (filter.since) query.andWhere('event.at >= :since', { since: filter.since });
    if (filter.until) query.andWhere('event.at < :until', { until: filter.until });
    const [items, total] = await query
      .orderBy('event.id', 'DESC')
      .take(limit)
      .skip(offset)
      .getManyAndCount();
    return { items, total, limit, offset };
  }
}
