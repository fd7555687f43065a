/**
 * The watcher: one atomic snapshot of the pool per tick, checked with the library's invariant
 * checker, and turned into the counts of the live table.
 */
import type { Redis } from 'ioredis';
import {
  checkInvariants,
  type PoolSnapshot,
  type RedisAllocator,
  takeSnapshot,
  type Violation,
} from 'redis-allocator';

/** What the pool looks like at one instant. */
export interface PoolCounts {
  /** Pool members. */
  members: number;
  /** On the free list. */
  free: number;
  /** Allocated and locked by a worker's lease. */
  held: number;
  /** Allocated and locked by a quarantine (a worker found it unhealthy). */
  quarantined: number;
  /** Allocated without a lock: a dead lease or an ended quarantine, waiting for GC. */
  awaitingGc: number;
}

/** One watcher tick. */
export interface Observation {
  snapshot: PoolSnapshot;
  counts: PoolCounts;
  violations: Violation[];
}

export class PoolWatcher {
  constructor(
    private readonly redis: Redis,
    private readonly allocator: RedisAllocator,
  ) {}

  /**
   * Takes a snapshot, checks INV-1…INV-4 on it and counts the entries by state.
   * @param isQuarantine tells a quarantine lock from a lease by the lock's value (both are tokens)
   */
  async observe(isQuarantine: (key: string, lockValue: string | null) => boolean): Promise<Observation> {
    const snapshot = await takeSnapshot(this.allocator);
    const violations = checkInvariants(snapshot, { shared: false });
    const locked = [...snapshot.entries.values()].filter(
      (entry) => entry.allocated && entry.lockTtlMs !== null,
    );
    // Lock values are read after the snapshot: only the held/quarantined split can be a tick late.
    const values =
      locked.length === 0
        ? []
        : await this.redis.mget(...locked.map((entry) => this.allocator.redisKeys.lockPrefix + entry.key));
    const quarantined = locked.filter((entry, i) => isQuarantine(entry.key, values[i] ?? null)).length;
    let free = 0;
    let awaitingGc = 0;
    for (const entry of snapshot.entries.values()) {
      if (!entry.allocated) free++;
      else if (entry.lockTtlMs === null) awaitingGc++;
    }
    const counts: PoolCounts = {
      members: snapshot.entries.size,
      free,
      held: locked.length - quarantined,
      quarantined,
      awaitingGc,
    };
    return { snapshot, counts, violations };
  }
}
