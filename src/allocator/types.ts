/** Options and results of the allocator's pool operations (seconds, fractional allowed). */
import type { FaultOptions } from '../lock/types.js';
import type { MeterLike } from '../metrics/open-telemetry.js';
import type { WaitOptions } from './waiting/options.js';

/**
 * Construction options of an allocator. `operationTimeout` and `durability` (from `FaultOptions`)
 * apply to every call, the inherited lock methods included.
 */
export interface AllocatorCoreOptions extends FaultOptions {
  /** Key suffix: keys are `prefix|suffix|pool`, `prefix|suffix:<key>`… Default `"allocator"`. */
  suffix?: string;
  /** Tolerance of the inherited conditional lock operations. Default `1e-6`. */
  eps?: number;
  /**
   * Shared mode: allocation rotates the key to the tail of the free list and writes no lock, so
   * many holders may use one key at once. Default `false` (exclusive leases).
   */
  shared?: boolean;
  /**
   * Coalesce concurrent calls: the unnamed exclusive `mallocKey` / `acquireLease` / policy
   * `malloc` calls this instance makes in the same tick go to Redis as one script call, each caller
   * still getting its own key and owner token, in call order; so do its `freeKeys` and
   * `releaseLease` / `release()` calls (with the same `timeout`). Cuts the Redis time per
   * allocation several-fold under load; a lone call is sent one microtask later. Default `true`.
   */
  coalesce?: boolean;
  /**
   * Seconds between the "drain" steps of an allocator instance while it has waiters (one script
   * call: a GC step, and free keys handed to queued waiters). Keys that come back without a
   * hand-off (a lease that ran out, a Python process's free) reach waiters within about this long;
   * the instance's liveness key lives max(5, 3 × drainInterval) seconds, so a dead waiter is skipped
   * after about that long. Positive and finite. Default 1.
   */
  drainInterval?: number;
  /**
   * An OpenTelemetry `Meter` (`metrics.getMeter('redis-allocator')` from `@opentelemetry/api`, an
   * optional peer): the allocator records mallocs, their latency, hold times, releases, renewals
   * and GC reclaims on it, with the pool key as the only identity attribute. Default none (no cost).
   */
  meter?: MeterLike;
}

/** Options of `mallocKey` (with `wait`, `signal`, `priority`: see `WaitOptions`). */
export interface MallocKeyOptions extends WaitOptions {
  /** Lease TTL in seconds (fractional allowed); `<= 0` or `Infinity` = never expires. Default 120. */
  timeout?: number;
  /** Soft-binding name: the same name gets the same key back while it is free. Default none. */
  name?: string | null;
  /** Soft-binding TTL in seconds; `<= 0` = never expires. Default 3600. */
  cacheTimeout?: number;
  /**
   * Who holds the lease, written into the lock value as `<holder>:<random>@<fence>` so diagnostics
   * can say who holds what: 1–200 characters, no whitespace or `|`, not starting with `#`. Default
   * `<host>:<pid>`.
   */
  holder?: string;
}

/** Options of an owner-token allocation (`acquireLease`). */
export interface AcquireLeaseOptions extends MallocKeyOptions {
  /** GC step run inside the same script before allocating; 0 = none. Default 0. */
  gcCount?: number;
  /**
   * Seconds between folded GC steps across every caller of this pool (a gate key set with
   * `SET NX PX`): only the call that opens the gate runs the step, so the common malloc pays one
   * cheap `SET` for GC. A call that finds the free list empty always runs a step and retries.
   * `<= 0` = a step on every call; `Infinity` is rejected (use `gcCount: 0`). Default 0.
   */
  gcInterval?: number;
}

/** A key handed out by `acquireLease`, with the owner token its lock holds. */
export interface Lease {
  readonly key: string;
  /** The lock value, unique per allocation (`<holder>:<random>@<fence>`); `""` in shared mode (no lock). */
  readonly token: string;
  /**
   * Fencing token: strictly increases with every exclusive allocation of this pool, across all
   * processes. A downstream store that remembers the highest fence it has accepted can reject a
   * holder that lost its lease while paused. `0` for a shared-mode rotation.
   */
  readonly fence: number;
}

/** What the token-checked operations need of a lease. */
export type LeaseRef = Pick<Lease, 'key' | 'token'>;

/** Options of the free operations. */
export interface FreeOptions {
  /**
   * New lifetime of the freed entries in seconds (`<= 0` = never expires). Default: keep the
   * lifetime each entry already had (upstream replaced it, F11).
   */
  timeout?: number;
}

/** Options of the token-checked release (`releaseLease`, `free(obj)`, `obj.release()`). */
export interface ReleaseOptions extends FreeOptions {
  /**
   * Seconds the key rests out of circulation before it returns to the free list by itself (a proxy
   * that needs rest, an API key that hit a rate limit); its lock then holds `"#cooldown"`, so
   * diagnostics tell it from a held key. `0` = back at once. Default 0.
   */
  cooldown?: number;
}

/** Options of `extend` / `assign`. */
export interface LifetimeOptions {
  /** Lifetime of the entries in seconds; `<= 0` = never expire. Default -1. */
  timeout?: number;
}
