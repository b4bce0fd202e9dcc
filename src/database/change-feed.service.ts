import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { AppConfig } from '../config/app-config.js';

export const CHANGES_CHANNEL = 'portcullis_changes';
/** How often the listening connection proves it is alive, and how long it may take. */
const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TIMEOUT_MS = 2_000;
/**
 * Reconnection backs off up to this. Kept short: an attempt while PostgreSQL is away costs a
 * refused connection, while every cache stays off (each request reads its rows) until it works.
 */
const MAX_RECONNECT_DELAY_MS = 5_000;

type ChangeListener = (key: string) => void;

/**
 * The rows other instances changed, as PostgreSQL announces them (LISTEN on the channel the
 * ChangeNotifications migration's triggers NOTIFY). Caches serve entries only while the feed
 * is live; when its connection fails they are emptied and bypassed until it is back, so a
 * change is honoured as soon as its notification arrives, or at worst after one missed
 * heartbeat (HEARTBEAT_MS + HEARTBEAT_TIMEOUT_MS).
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChangeFeed');
  private readonly listeners = new Map<string, Set<ChangeListener>>();
  private readonly resetListeners = new Set<() => void>();
  private client?: pg.Client;
  private heartbeat?: NodeJS.Timeout;
  private reconnect?: NodeJS.Timeout;
  private reconnectDelay = 1_000;
  private stopped = false;
  private reconnected = 0;
  /** Whether connect() ran before: a later success may follow missed notifications. */
  private attempted = false;

  constructor(private readonly config: AppConfig) {}

  /** Whether notifications are arriving, so cached rows can be trusted. */
  get live(): boolean {
    return this.client !== undefined;
  }

  /** Times the feed connected again after a failure (a figure of /metrics). */
  get reconnects(): number {
    return this.reconnected;
  }

  /** Calls `listener` with the key of every changed row of `table` (`*` for all of them). */
  on(table: string, listener: ChangeListener): void {
    let set = this.listeners.get(table);
    if (!set) this.listeners.set(table, (set = new Set()));
    set.add(listener);
  }

  /**
   * Calls `listener` whenever notifications may have been missed: when the feed is lost, and
   * again when it is back (what changed in between was never announced).
   */
  onReset(listener: () => void): void {
    this.resetListeners.add(listener);
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnect);
    await this.drop();
  }

  private async connect(): Promise<void> {
    const reconnecting = this.attempted;
    this.attempted = true;
    const client = new pg.Client({
      connectionString: this.config.databaseListenUrl,
      application_name: 'portcullis-change-feed',
      keepAlive: true,
    });
    client.on('notification', (message) => {
      if (message.channel === CHANGES_CHANNEL && message.payload) this.dispatch(message.payload);
    });
    client.on('error', () => void this.lost(client));
    client.on('end', () => void this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.logger.warn(`cannot listen for changes (caches off until it can): ${String(error)}`);
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectDelay = 1_000;
    this.heartbeat = setInterval(() => void this.beat(client), HEARTBEAT_MS);
    this.heartbeat.unref();
    if (!reconnecting) return;
    this.reconnected++;
    for (const listener of this.resetListeners) listener();
  }

  private async beat(client: pg.Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('heartbeat timed out')), HEARTBEAT_TIMEOUT_MS);
    });
    try {
      await Promise.race([client.query('SELECT 1'), timeout]);
    } catch {
      await this.lost(client);
    } finally {
      clearTimeout(timer);
    }
  }

  private async lost(client: pg.Client): Promise<void> {
    if (this.client !== client) return;
    this.logger.warn('lost the change feed; caches are off until it is back');
    await this.drop();
    for (const listener of this.resetListeners) listener();
    this.scheduleReconnect();
  }

  private async drop(): Promise<void> {
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.reconnect = setTimeout(() => void this.connect(), this.reconnectDelay);
    this.reconnect.unref();
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, MAX_RECONNECT_DELAY_MS);
  }

  private dispatch(payload: string): void {
    const colon = payload.indexOf(':');
    if (colon < 1) return;
    const listeners = this.listeners.get(payload.slice(0, colon));
    if (!listeners) return;
    const key = payload.slice(colon + 1);
    for (const listener of listeners) listener(key);
  }
}
