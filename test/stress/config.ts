/**
 * Numbers and names shared by the crash stress test (parent) and its worker processes.
 *
 * Timing rule that keeps the oracle free of false positives: a holder's oracle key never outlives
 * its lease. The oracle TTL is derived from the lock's remaining PTTL inside the claim script
 * (`min(ORACLE_TTL_MS, pttl - ORACLE_MARGIN_MS)`), so a killed or starved holder's oracle key is
 * gone before its lease can be reclaimed, however slow the holder was.
 */

/** Lease TTL of every exclusive allocation and renewal, in seconds. */
export const LEASE_SECONDS = 3;
/** Upper bound of an oracle key's TTL, in milliseconds (shorter than the lease). */
export const ORACLE_TTL_MS = 2500;
/** The oracle key expires at least this long before the lease it guards, in milliseconds. */
export const ORACLE_MARGIN_MS = 500;
/** Longest hold of an exclusive key, in milliseconds (much shorter than the lease). */
export const MAX_HOLD_MS = 300;
/**
 * An allocation whose lock is already gone this soon after the malloc call was sent can only be
 * a library fault (the lease is 3 s and nothing else deletes it), in milliseconds.
 */
export const SAFE_CLAIM_WINDOW_MS = (LEASE_SECONDS * 1000 * 2) / 3;
/**
 * `freeKeys` is unconditional, so a worker only uses it while its own lock has at least this many
 * milliseconds left: a stale administrative free would cause a real (test-made) double allocation.
 */
export const FREE_KEYS_MIN_PTTL_MS = 2000;
/** Shortest / longest shared-mode quarantine, in seconds. */
export const MIN_QUARANTINE_SECONDS = 0.5;
export const MAX_QUARANTINE_SECONDS = 1.5;
/** Soft-binding TTL used by the workers, in seconds. */
export const BINDING_SECONDS = 5;

/** Worker processes alive at any time. */
export const WORKERS = 8;
/** Concurrent operation loops inside one worker (they share its Redis connection). */
export const LANES_PER_WORKER = 3;

/**
 * Members of the exclusive pool: few enough that 8 workers (and dead leases) contend, enough that
 * the pool is not empty most of the time (an empty free list makes every GC-folding malloc collect
 * at once, and the INV-6 probes would never see a reclaimable key).
 */
export const EXCLUSIVE_KEYS: readonly string[] = Array.from({ length: 32 }, (_, i) => `k${pad(i)}`);
/** Members of the shared-mode pool. */
export const SHARED_KEYS: readonly string[] = Array.from({ length: 12 }, (_, i) => `s${pad(i)}`);

export const EXCLUSIVE_SUFFIX = 'excl';
export const SHARED_SUFFIX = 'shared';

/** Oracle key of exclusive resource `key` (the brief's `oracle:<prefix>:<k>`). */
export function oracleKey(prefix: string, key: string): string {
  return `oracle:${prefix}:${key}`;
}

/** Redis list where the claim script records every double allocation (survives SIGKILL). */
export function doublesKey(prefix: string): string {
  return `oracle:${prefix}|doubles`;
}

/** Redis list where workers record leases the library failed to honour (survives SIGKILL). */
export function anomaliesKey(prefix: string): string {
  return `oracle:${prefix}|anomalies`;
}

/**
 * Redis list of the worker's `slow` cases, each with its evidence (the measured delay that
 * explains it). Survives SIGKILL; the test prints them and bounds their number.
 */
export function slowKey(prefix: string): string {
  return `oracle:${prefix}|slow`;
}

/** Environment a worker is started with. */
export interface WorkerEnv {
  STRESS_REDIS_URL: string;
  STRESS_PREFIX: string;
  /** Slot 0…WORKERS-1; the soft-binding name is `w<slot>`. */
  STRESS_SLOT: string;
  /** Restart count of the slot, so every incarnation has its own holder id. */
  STRESS_GENERATION: string;
}

/** Counters a worker sends to the parent (deltas since its last report). */
export interface WorkerStats {
  /** Library calls made (allocator API only). */
  ops: number;
  /** Exclusive keys obtained and claimed on the oracle. */
  claims: number;
  /** Exclusive allocations that returned null (pool exhausted). */
  empty: number;
  /** Successful lease renewals. */
  renewals: number;
  /** Operations on the shared-mode pool (mallocs, quarantines, frees, GC steps). */
  sharedOps: number;
  /** Members taken out of the exclusive pool (licensed shrinks and expiring extends). */
  removals: number;
  /**
   * Cases explained only by this worker being starved (its lease or oracle key ran out while it
   * was stalled); each is recorded with its evidence in `slowKey`. The same case without such a
   * delay is an anomaly.
   */
  slow: number;
  /** Double allocations seen by this worker's claims (also recorded in Redis). */
  doubles: number;
  /** Leases the library failed to honour (also recorded in Redis). */
  anomalies: number;
}

/** Messages from a worker to the parent over IPC. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'error'; message: string };

export function emptyStats(): WorkerStats {
  return {
    ops: 0,
    claims: 0,
    empty: 0,
    renewals: 0,
    sharedOps: 0,
    removals: 0,
    slow: 0,
    doubles: 0,
    anomalies: 0,
  };
}

function pad(i: number): string {
  return String(i).padStart(2, '0');
}
