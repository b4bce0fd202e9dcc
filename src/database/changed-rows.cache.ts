import type { ChangeFeed } from './change-feed.service.js';

/**
 * A bounded in-process cache of rows of one table, correct across instances: an entry goes
 * when the ChangeFeed announces its row changed, everything goes when the feed may have
 * missed something, and nothing is served while the feed is down. A load that raced with a
 * change is not kept. `ttlMs` (ROW_TTL_MS unless given) caps the age of any entry all the same.
 */
/** How long a cached row may be served at most, whatever the feed says. */
export const ROW_TTL_MS = 60_000;

export class ChangedRowsCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  /** Bumped on every invalidation, so a load that overlapped one is not cached. */
  private generation = 0;

  constructor(
    private readonly feed: ChangeFeed,
    table: string,
    private readonly options: {
      ttlMs?: number;
      maxEntries: number;
      /** Entries derived from the whole table (not keyed by its rows): any change drops all. */
      wholeTable?: boolean;
      /** A shorter life for one value, in ms from now. */
      ttlOf?: (value: V) => number;
    },
  ) {
    feed.on(table, (key) => {
      if (key === '*' || options.wholeTable) this.clear();
      else this.forget(key);
    });
    feed.onReset(() => this.clear());
  }

  /** The cached value of `key`, or what `load` answers (kept unless undefined or null). */
  async get<T extends V | null | undefined>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.feed.live) {
      const hit = this.entries.get(key);
      if (hit && hit.expires > Date.now()) return hit.value as T;
    }
    const generation = this.generation;
    const value = await load();
    if (value !== null && value !== undefined && this.feed.live && generation === this.generation) {
      if (this.entries.size >= this.options.maxEntries) {
        // Oldest first: Map iterates in insertion order.
        this.entries.delete(this.entries.keys().next().value!);
      }
      const ttl = Math.min(
        this.options.ttlMs ?? ROW_TTL_MS,
        this.options.ttlOf?.(value) ?? Infinity,
      );
      this.entries.set(key, { value, expires: Date.now() + ttl });
    }
    return value;
  }

  /** Drops one entry: this instance changed its row and will not wait for the notification. */
  forget(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
