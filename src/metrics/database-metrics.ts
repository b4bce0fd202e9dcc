import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { ChangeFeed } from '../database/change-feed.service.js';
import { MetricsRegistry } from './metrics.registry.js';

/**
 * The database as an operator watches it, read when Prometheus scrapes: the connection pool
 * (open, idle, requests waiting for a connection) and the change feed (live, reconnections).
 */
@Injectable()
export class DatabaseMetrics {
  constructor(
    metrics: MetricsRegistry,
    @InjectDataSource() dataSource: DataSource,
    feed: ChangeFeed,
  ) {
    const registers = [metrics.registry];
    const pool = () => (dataSource.driver as unknown as { master?: Pool }).master;
    new Gauge({
      name: 'portcullis_db_pool_connections',
      help: 'Connections of the database pool, by state (total, idle)',
      labelNames: ['state'],
      registers,
      collect() {
        const open = pool();
        this.set({ state: 'total' }, open?.totalCount ?? 0);
        this.set({ state: 'idle' }, open?.idleCount ?? 0);
      },
    });
    new Gauge({
      name: 'portcullis_db_pool_waiting_requests',
      help: 'Queries waiting for a connection of the database pool',
      registers,
      collect() {
        this.set(pool()?.waitingCount ?? 0);
      },
    });
    new Gauge({
      name: 'portcullis_change_feed_live',
      help: 'Whether the change feed (LISTEN) is connected, so caches are on: 1 or 0',
      registers,
      collect() {
        this.set(feed.live ? 1 : 0);
      },
    });
    let reconnectsSeen = 0;
    new Counter({
      name: 'portcullis_change_feed_reconnects_total',
      help: 'Times the change feed connected again after losing its connection',
      registers,
      collect() {
        this.inc(feed.reconnects - reconnectsSeen);
        reconnectsSeen = feed.reconnects;
      },
    });
  }
}
