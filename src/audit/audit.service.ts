import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { Page } from '../common/pagination.query.js';
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

/** Events per statement at most. */
const MAX_BATCH = 500;
/** Batches being written at once: a slow commit must not stall every request behind it. */
const MAX_IN_FLIGHT = 2;

interface Pending {
  row: [Date, string, string | null, string | null, string | null, string];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** One statement for a batch of any size, so PostgreSQL plans it once. */
const INSERT_BATCH = `INSERT INTO audit_events (at, type, client_id, user_id, ip, details)
  SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::jsonb[])`;

/**
 * The audit trail. Rows are written by group commit: a record waits for the batch it joined,
 * and a batch is written as soon as a writer is free (MAX_IN_FLIGHT), so one request alone
 * costs one insert and under load many events share a statement. A caller still learns that its
 * row is committed before it answers.
 */
@Injectable()
export class AuditService {
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  record(event: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        row: [
          new Date(),
          event.type,
          event.clientId ?? null,
          event.userId ?? null,
          event.ip ?? null,
          JSON.stringify(event.details ?? {}),
        ],
        resolve,
        reject,
      });
      if (this.inFlight < MAX_IN_FLIGHT) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.inFlight++;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.insert(batch);
        for (const pending of batch) pending.resolve();
      } catch {
        // One bad row must not fail its neighbours: write them one by one.
        for (const pending of batch) {
          await this.insert([pending]).then(pending.resolve, pending.reject);
        }
      }
    }
    this.inFlight--;
  }

  private async insert(batch: Pending[]): Promise<void> {
    const columns = batch[0].row.map((_, index) => batch.map((pending) => pending.row[index]));
    await preparedQuery(this.dataSource, 'audit-insert-batch', INSERT_BATCH, columns);
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
