/**
 * Where the guard records the DPoP proofs it accepted, so that each is used once (RFC 9449
 * §11.1). Plug a shared one (a database table, Redis `SET NX EX`) when several instances serve
 * the same routes: a proof replayed against another instance is then refused too.
 */
export interface DpopReplayStore {
  /**
   * Records the proof `jti` of the key `jkt`; true when it was not recorded before, false for
   * a replay. Keep it at least until `expiresAt` (seconds since the epoch), when the proof
   * stops being accepted anyway. Throwing refuses the request (503): never forget to be safe.
   */
  use(jti: string, jkt: string, expiresAt: number): Promise<boolean>;
}

/** The memory cache is full of proofs still within their window: refuse rather than forget. */
export class DpopReplayCacheFullError extends Error {}

/**
 * Default bound of the in-memory cache: about 200 bytes an entry, some 40 MB at the bound; with
 * the default 70-second window, about 2,800 proofs a second, sustained, per instance.
 */
export const DEFAULT_DPOP_REPLAY_CACHE_ENTRIES = 200_000;

/**
 * The default store: one process's memory, so replays are caught only on this instance. It
 * holds at most `capacity` proofs; each is forgotten once its window has passed. When every
 * entry is still within its window, a new proof is refused (DpopReplayCacheFullError) instead
 * of evicting one, which would let that proof be replayed.
 */
export class InMemoryDpopReplayCache implements DpopReplayStore {
  /** By `jkt:jti`, each with its expiry in seconds. */
  private readonly entries = new Map<string, number>();
  /** When a sweep can next free anything: a full cache of live proofs is not scanned again. */
  private nextSweep = 0;

  constructor(
    private readonly capacity = DEFAULT_DPOP_REPLAY_CACHE_ENTRIES,
    private readonly clock: () => number = () => Date.now() / 1000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  use(jti: string, jkt: string, expiresAt: number): Promise<boolean> {
    const now = this.clock();
    const key = `${jkt}:${jti}`;
    const seen = this.entries.get(key);
    if (seen !== undefined && seen > now) return Promise.resolve(false);
    if (seen === undefined && this.entries.size >= this.capacity) {
      if (now >= this.nextSweep) this.sweep(now);
      if (this.entries.size >= this.capacity) {
        return Promise.reject(
          new DpopReplayCacheFullError('too many DPoP proofs within their window'),
        );
      }
    }
    this.entries.delete(key);
    this.entries.set(key, expiresAt);
    return Promise.resolve(true);
  }

  /**
   * Drops every expired entry. Only when full, and then not before the earliest remaining
   * expiry, so a full cache costs one scan per window, not one per request.
   */
  private sweep(now: number): void {
    let earliest = Infinity;
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt <= now) this.entries.delete(key);
      else earliest = Math.min(earliest, expiresAt);
    }
    this.nextSweep = earliest;
  }
}
