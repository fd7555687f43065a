/**
 * The invariant watcher of the crash stress test: atomic snapshots of every pool, checked
 * continuously (INV-1 … INV-4), GC probes that check INV-6, and membership: every member that is
 * missing must have been removed by the test (membership.ts); only those are restored (a killed
 * worker cannot put its keys back), and any other disappearance is a violation.
 */
import type { Redis } from 'ioredis';
import {
  checkInvariants,
  type PoolSnapshot,
  type RedisAllocator,
  reclaimableKeys,
  takeSnapshot,
} from '../../src/index.js';
import { claimRestores } from './membership.js';

/** One pool under watch. */
export interface WatchedPool {
  readonly label: string;
  readonly allocator: RedisAllocator;
  /** Every key the pool should contain; a missing one is restored only on a removal license. */
  readonly members: readonly string[];
  /**
   * INV-6 probe window in seconds: no lock created after a snapshot can expire within it, so a
   * key still allocated without a lock after a GC pass inside the window was not reclaimed.
   */
  readonly reclaimWindow: number;
  /**
   * Exclusive pools: before each INV-6 probe the watcher abandons a lease of its own that ends at
   * once (a holder that died), so the probes do not depend on catching a killed worker's lease in
   * the moment between its end and the next GC step of a hungry fleet.
   */
  readonly abandonLeaseBeforeProbe?: boolean;
}

/** Pause between snapshot rounds, so that the watcher does not starve the workers of CPU. */
const ROUND_PAUSE_MS = 20;
const GC_PROBE_SECONDS = 0.25;
/** Lease of the watcher's abandoned allocation, and how long it waits for it to end (s). */
const ABANDONED_LEASE_SECONDS = 0.02;
const ABANDONED_WAIT_SECONDS = 0.04;
const MAX_REPORTED = 20;
/** GC step larger than any pool here: these small (listpack) hashes are scanned whole by one call. */
const FULL_PASS = 1000;

export class InvariantWatcher {
  snapshots = 0;
  /** INV-6 probes that found reclaimable keys and concluded within the window, by pool label. */
  readonly gcProbes: Record<string, number> = {};
  /** Reclaimable keys those probes checked, by pool label. */
  readonly probedKeys: Record<string, number> = {};
  /** Members restored on a license (removed by the test). */
  restores = 0;
  /** Leases the watcher abandoned before a probe. */
  abandoned = 0;
  violationCount = 0;
  /** The first violations, with pool and invariant, for the failure message. */
  readonly violations: string[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    /** The watcher's own connection (ledger reads). */
    private readonly redis: Redis,
    /** Key prefix of the run (the ledger is per run). */
    private readonly prefix: string,
    private readonly pools: readonly WatchedPool[],
  ) {
    for (const pool of pools) {
      this.gcProbes[pool.label] = 0;
      this.probedKeys[pool.label] = 0;
    }
  }

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
  checkOnce(): Promise<PoolSnapshot[]> {
    return this.checkSnapshots(this.pools);
  }

  private async checkSnapshots(pools: readonly WatchedPool[]): Promise<PoolSnapshot[]> {
    const snapshots = await Promise.all(pools.map((pool) => takeSnapshot(pool.allocator)));
    snapshots.forEach((snapshot, i) => {
      const pool = pools[i]!;
      this.snapshots++;
      for (const violation of checkInvariants(snapshot, { shared: pool.allocator.shared })) {
        this.report(`${pool.label} ${violation.invariant}: ${violation.message}`);
      }
    });
    return snapshots;
  }

  /**
   * Restores the members of `snapshots` that the test removed; a member missing without a
   * licensed removal, or an entry that is no member, is a violation (then restored too, so one
   * fault is reported once).
   */
  async checkMembership(snapshots: readonly PoolSnapshot[]): Promise<void> {
    await Promise.all(
      this.pools.map(async (pool, i) => {
        const snapshot = snapshots[i]!;
        const members = new Set(pool.members);
        for (const key of snapshot.entries.keys()) {
          if (!members.has(key))
            this.report(`${pool.label}: ${JSON.stringify(key)} is in the pool but no member`);
        }
        const missing = pool.members.filter((key) => !snapshot.entries.has(key));
        const { restore, unexplained } = await claimRestores(
          this.redis,
          this.prefix,
          pool.allocator.redisKeys.pool,
          missing,
        );
        for (const key of unexplained) {
          this.report(`${pool.label}: member ${JSON.stringify(key)} disappeared, and no worker removed it`);
        }
        // A key whose lease is still live re-enters as allocated (F6): no second holder.
        if (restore.length + unexplained.length > 0)
          await pool.allocator.extend([...restore, ...unexplained]);
        this.restores += restore.length;
      }),
    );
  }

  /**
   * For a quiet pool whose leases, quarantines and test-given lifetimes have all run out: restores
   * the members the test removed, runs one GC pass, checks the invariants once more and lists every
   * member that is not back on the free list (or is missing, or still locked). Empty when GC
   * reclaimed everything the killer left.
   */
  async settledLeftovers(): Promise<string[]> {
    // First GC drops the entries whose (test-given) lifetime ran out, so they are restored too.
    await Promise.all(this.pools.map((pool) => pool.allocator.gc(FULL_PASS)));
    await this.checkMembership(await this.checkOnce());
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
    while (this.running) {
      const snapshots = await this.checkOnce();
      await this.checkMembership(snapshots);
      if (Date.now() >= nextProbe) {
        nextProbe = Date.now() + GC_PROBE_SECONDS * 1000;
        await Promise.all(this.pools.map((pool, i) => this.probeReclaim(pool, snapshots[i]!)));
      }
      await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
    }
  }

  /** INV-6: every key reclaimable in `before` is free (or gone) after one full GC pass. */
  private async probeReclaim(pool: WatchedPool, roundSnapshot: PoolSnapshot): Promise<void> {
    let before = roundSnapshot;
    if (pool.abandonLeaseBeforeProbe) {
      if (await pool.allocator.acquireLease({ timeout: ABANDONED_LEASE_SECONDS })) this.abandoned++;
      await new Promise((resolve) => setTimeout(resolve, ABANDONED_WAIT_SECONDS * 1000));
      before = (await this.checkSnapshots([pool]))[0]!;
    }
    const reclaimable = reclaimableKeys(before);
    await pool.allocator.gc(FULL_PASS);
    if (reclaimable.length === 0) return;
    const after = await takeSnapshot(pool.allocator);
    if (after.now - before.now >= pool.reclaimWindow) return; // too slow to conclude anything
    this.gcProbes[pool.label]!++;
    this.probedKeys[pool.label]! += reclaimable.length;
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
