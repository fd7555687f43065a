/**
 * The invariant watcher of the crash stress test: atomic snapshots of every pool, checked
 * continuously (INV-1 … INV-4), GC probes that check INV-6, and periodic repair of membership
 * (workers shrink and expire keys, and a killed worker cannot put them back).
 */
import {
  checkInvariants,
  type PoolSnapshot,
  type RedisAllocator,
  reclaimableKeys,
  takeSnapshot,
} from '../../src/index.js';

/** One pool under watch. */
export interface WatchedPool {
  readonly label: string;
  readonly allocator: RedisAllocator;
  /** Every key the pool should contain; re-extended periodically. */
  readonly members: readonly string[];
  /**
   * INV-6 probe window in seconds: no lock created after a snapshot can expire within it, so a
   * key still allocated without a lock after a GC pass inside the window was not reclaimed.
   */
  readonly reclaimWindow: number;
}

/** Pause between snapshot rounds, so that the watcher does not starve the workers of CPU. */
const ROUND_PAUSE_MS = 20;
const GC_PROBE_SECONDS = 0.25;
const REPAIR_SECONDS = 2;
const MAX_REPORTED = 20;
/** GC step larger than any pool here: these small (listpack) hashes are scanned whole by one call. */
const FULL_PASS = 1000;

/** Options of `InvariantWatcher`. */
export interface WatcherOptions {
  /**
   * Errors that skip a round instead of ending the watch (the fault suite: Redis is down on
   * purpose). Default: none — any error is a finding.
   */
  tolerate?: (error: unknown) => boolean;
}

export class InvariantWatcher {
  /** Rounds skipped because of a tolerated error. */
  skippedRounds = 0;
  snapshots = 0;
  gcProbes = 0;
  violationCount = 0;
  /** The first violations, with pool and invariant, for the failure message. */
  readonly violations: string[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly pools: readonly WatchedPool[],
    private readonly options: WatcherOptions = {},
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the current round. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** One snapshot of every pool, checked; returns the snapshots. */
  async checkOnce(): Promise<PoolSnapshot[]> {
    const snapshots = await Promise.all(this.pools.map((pool) => takeSnapshot(pool.allocator)));
    snapshots.forEach((snapshot, i) => {
      const pool = this.pools[i]!;
      this.snapshots++;
      for (const violation of checkInvariants(snapshot, { shared: pool.allocator.shared })) {
        this.report(`${pool.label} ${violation.invariant}: ${violation.message}`);
      }
    });
    return snapshots;
  }

  /** Puts every member back (absent keys re-enter; live locks make them enter as allocated). */
  async repairMembership(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.allocator.extend(pool.members)));
  }

  /** A failing snapshot or GC call is a finding too: it is reported, and the watch ends. */
  /**
   * For a quiet pool whose leases and quarantines have all run out: repairs membership, runs one
   * GC pass, checks the invariants once more and lists every member that is not back on the free
   * list (or is missing, or still locked). Empty when GC reclaimed everything the killer left.
   */
  async settledLeftovers(): Promise<string[]> {
    await this.repairMembership();
    await Promise.all(this.pools.map((pool) => pool.allocator.gc(FULL_PASS)));
    const snapshots = await this.checkOnce();
    const leftovers: string[] = [];
    snapshots.forEach((snapshot, i) => {
      const pool = this.pools[i]!;
      for (const key of pool.members) {
        const entry = snapshot.entries.get(key);
        if (entry === undefined) leftovers.push(`${pool.label} ${key}: missing`);
        else if (entry.allocated) leftovers.push(`${pool.label} ${key}: still allocated`);
        else if (entry.lockTtlMs !== null) leftovers.push(`${pool.label} ${key}: still locked`);
      }
      if (snapshot.entries.size !== pool.members.length) {
        leftovers.push(`${pool.label}: ${snapshot.entries.size} entries, expected ${pool.members.length}`);
      }
    });
    return leftovers;
  }

  private async run(): Promise<void> {
    try {
      await this.watch();
    } catch (error) {
      this.report(`watcher stopped by an error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async watch(): Promise<void> {
    let nextProbe = 0;
    let nextRepair = Date.now() + REPAIR_SECONDS * 1000;
    while (this.running) {
      try {
        const snapshots = await this.checkOnce();
        if (Date.now() >= nextProbe) {
          nextProbe = Date.now() + GC_PROBE_SECONDS * 1000;
          await Promise.all(this.pools.map((pool, i) => this.probeReclaim(pool, snapshots[i]!)));
        }
        if (Date.now() >= nextRepair) {
          nextRepair = Date.now() + REPAIR_SECONDS * 1000;
          await this.repairMembership();
        }
      } catch (error) {
        if (!this.options.tolerate?.(error)) throw error;
        this.skippedRounds++;
      }
      await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
    }
  }

  /** INV-6: every key reclaimable in `before` is free (or gone) after one full GC pass. */
  private async probeReclaim(pool: WatchedPool, before: PoolSnapshot): Promise<void> {
    const reclaimable = reclaimableKeys(before);
    await pool.allocator.gc(FULL_PASS);
    if (reclaimable.length === 0) return;
    const after = await takeSnapshot(pool.allocator);
    if (after.now - before.now >= pool.reclaimWindow) return; // too slow to conclude anything
    this.gcProbes++;
    for (const key of reclaimable) {
      const entry = after.entries.get(key);
      if (entry?.allocated && entry.lockTtlMs === null) {
        this.report(
          `${pool.label} INV-6: ${JSON.stringify(key)} still allocated without a lock after a GC pass`,
        );
      }
    }
  }

  private report(message: string): void {
    this.violationCount++;
    if (this.violations.length < MAX_REPORTED) this.violations.push(message);
  }
}
