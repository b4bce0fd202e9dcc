import { setTimeout as sleep } from 'node:timers/promises';
import { isDatabaseUnavailable } from '../common/database-unavailable.js';

export interface GroupCommitOptions<I, O> {
  /**
   * Writes a batch in one statement (one round trip, one commit) and answers one result per
   * item, in order. It must be all or nothing: a failure means no item was written, unless
   * the connection was lost (then nobody knows, and the batch is not written again).
   */
  write: (items: I[]) => Promise<O[]>;
  /** Items per statement at most. */
  maxBatch: number;
  /** Statements in flight at once: a slow commit must not stall every caller behind it. */
  maxInFlight: number;
  /**
   * The least time between the starts of two statements, in ms: under load, callers wait up
   * to this long so that more of them share a commit. A caller alone waits for nothing.
   */
  minIntervalMs: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers each wait for their own item to be committed, and the items that
 * arrive while earlier statements are in flight share the next one. A database commit (its WAL
 * flush) costs far more than a row (bench/README.md has the figures), so under load this turns
 * one commit per request into one per batch, paced by `minIntervalMs`, while a caller alone
 * waits for a single statement only. A batch starts at the end of the event loop turn it was
 * asked for, so the requests read from the sockets in one turn share it.
 */
export class GroupCommit<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private lastStart = -Infinity;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly options: GroupCommitOptions<I, O>) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a statement (for tests and metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves once every item submitted so far has been written or refused: at shutdown,
   * before the pool the writer uses is closed.
   */
  idle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private get isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  /** Starts a writer at the end of this event loop turn, when one is free and needed. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.queue.length === 0)
      return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.inFlight >= this.options.maxInFlight) return;
    this.inFlight++;
    try {
      while (this.queue.length > 0) {
        const wait = this.lastStart + this.options.minIntervalMs - performance.now();
        if (wait > 0 && this.queue.length < this.options.maxBatch) await sleep(wait);
        if (this.queue.length === 0) break; // another writer took them meanwhile
        this.lastStart = performance.now();
        const batch = this.queue.splice(0, this.options.maxBatch);
        this.schedule(); // what is left may go to another writer meanwhile
        await this.writeBatch(batch);
      }
    } finally {
      this.inFlight--;
      if (this.isIdle) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async writeBatch(batch: Pending<I, O>[]): Promise<void> {
    let results: O[];
    try {
      results = await this.options.write(batch.map((pending) => pending.item));
    } catch (error) {
      // Lost with the connection, the batch may have been committed all the same: written
      // again item by item it would be written twice (or, for a rotation, read as a reuse).
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      // One bad item must not fail its neighbours: nothing was written, so write them alone.
      for (const pending of batch) await this.writeBatch([pending]);
      return;
    }
    if (results.length !== batch.length) {
      const error = new Error(`a batch of ${batch.length} answered ${results.length} results`);
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => pending.resolve(results[index]));
  }
}
