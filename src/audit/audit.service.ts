import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Page } from '../common/pagination.query.js';
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

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  async record(event: AuditRecord): Promise<void> {
    await this.events.insert({
      type: event.type,
      clientId: event.clientId ?? null,
      userId: event.userId ?? null,
      ip: event.ip ?? null,
      details: event.details ?? {},
    });
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
