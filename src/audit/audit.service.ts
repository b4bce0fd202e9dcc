import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { BIGINT_KEY, type PageRequest } from '../common/keyset-page.js';
import { listPage } from '../common/list-page.js';
import type { Page } from '../common/pagination.query.js';
import type { GroupCommit } from '../database/group-commit.js';
import { jsonBatchInsert } from '../database/json-batch-insert.js';
import { AuditEvent, type AuditEventType } from './audit-event.entity.js';
import { OperationsMetrics } from '../metrics/operations-metrics.js';

export interface AuditRecord {
  type: AuditEventType;
  clientId?: string | null;
  userId?: string | null;
  ip?: string | null;
  /** Serialized when its batch is written: not to be changed after `record`. */
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

/** at (epoch ms), type, client_id, user_id, ip, details */
type AuditRow = [number, string, string | null, string | null, string | null, object];

/** Rows per query of an export. */
const EXPORT_BATCH = 1000;

/** One statement for a batch of any size (jsonBatchInsert), so PostgreSQL plans it once. */
export const INSERT_BATCH = `INSERT INTO audit_events (at, type, client_id, user_id, ip, details)
  SELECT to_timestamp((e->>0)::float8 / 1000), e->>1, e->>2, (e->>3)::uuid, e->>4, e->5
    FROM jsonb_array_elements($1::jsonb) AS e`;

/**
 * The audit trail. Rows are written by group commit: a caller waits until its row is
 * committed, and rows recorded meanwhile share the next statement (GroupCommit).
 */
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private readonly writer: GroupCommit<AuditRow, void>;

  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    @InjectDataSource() dataSource: DataSource,
    private readonly metrics: OperationsMetrics,
  ) {
    this.writer = jsonBatchInsert(dataSource, 'audit-insert-batch', INSERT_BATCH);
  }

  /**
   * The audit insert for another store's statement, so that a change and its audit rows
   * commit together (one round trip, and never one without the other): every row of
   * `source`, a relation with the columns type, client_id, user_id, ip and details.
   */
  static insertFrom(source: string): string {
    return `INSERT INTO audit_events (type, client_id, user_id, ip, details)
      SELECT type, client_id, user_id, ip, details FROM ${source}`;
  }

  /** Rows still on their way are committed before the pool closes (it closes after this). */
  beforeApplicationShutdown(): Promise<void> {
    return this.writer.idle();
  }

  /**
   * Writes the row and resolves once it is committed, or once writing it failed. It never
   * rejects: it is recorded after the change it describes was committed (or refused), and an
   * answer must say what happened to that change, so a lost audit row is the operator's
   * alarm (an error line naming the event type), never the request's 500.
   */
  async record(event: AuditRecord): Promise<void> {
    try {
      await this.writer.submit([
        Date.now(),
        event.type,
        event.clientId ?? null,
        event.userId ?? null,
        event.ip ?? null,
        event.details ?? {},
      ]);
    } catch (error) {
      // The driver's message may quote the row's values: only its SQLSTATE is logged.
      const code = (error as { code?: unknown }).code;
      this.metrics.auditRowLost(event.type);
      this.logger.error(
        `audit row not written: ${event.type} (${typeof code === 'string' ? code : 'no SQLSTATE'})`,
      );
    }
  }

  /**
   * Every event the filter matches, oldest first, in batches of EXPORT_BATCH: each batch is a
   * short query starting after the last id seen, so no transaction or server-side cursor stays
   * open for as long as the client reads (it works through a transaction pooler), and memory
   * holds one batch. Rows committed during the export with an id below the last one seen are
   * not in it: export ranges that have passed.
   */
  async *export(filter: AuditFilter): AsyncGenerator<AuditEvent[]> {
    let after: string | undefined;
    for (;;) {
      const query = this.filtered(filter);
      if (after !== undefined) query.andWhere('item.id > CAST(:after AS bigint)', { after });
      const batch = await query.orderBy('item.id', 'ASC').limit(EXPORT_BATCH).getMany();
      if (batch.length > 0) yield batch;
      if (batch.length < EXPORT_BATCH) return;
      after = batch[batch.length - 1].id;
    }
  }

  private filtered(filter: AuditFilter) {
    const query = this.events.createQueryBuilder('item');
    if (filter.type) query.andWhere('item.type = :type', { type: filter.type });
    if (filter.clientId) query.andWhere('item.clientId = :clientId', { clientId: filter.clientId });
    if (filter.userId) query.andWhere('item.userId = :userId', { userId: filter.userId });
    if (filter.since) query.andWhere('item.at >= :since', { since: filter.since });
    if (filter.until) query.andWhere('item.at < :until', { until: filter.until });
    return query;
  }

  /** Newest first, by id (the filters' indexes end with it). */
  list(filter: AuditFilter, request: PageRequest): Promise<Page<AuditEvent>> {
    return listPage(
      this.filtered(filter),
      [{ column: 'id', cast: 'bigint', pattern: BIGINT_KEY }],
      'DESC',
      request,
    );
  }
}
