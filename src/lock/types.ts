/**
 * The lock contract shared by `RedisLock` / `MemoryLock` and by `RedisLockPool` / `MemoryLockPool`:
 * one set of semantics, one test suite (DESIGN.md §2, upstream F18).
 */
import type { DurabilityOptions } from '../durability.js';
import type { LockStatus } from './lock-status.js';

/** Options of `lock`, `rlock` and `update`. */
export interface LockOptions {
  /** Value stored in the lock (e.g. an owner token). Default `"1"` (`DEFAULTS.lockValue`). */
  value?: string;
  /**
   * Lock TTL in seconds, fractional allowed (sent as `PX`, rounded up to whole milliseconds).
   * `<= 0`, `Infinity` or `null` = no expiry. Default 120 (`DEFAULTS.lockTimeout`).
   */
  timeout?: number | null;
}

/** Options of the conditional set operations (`setgt` … `setne`). */
export interface ConditionalSetOptions {
  /** Number stored when the condition holds. Default: the compared `value`. */
  setValue?: number;
  /**
   * TTL in seconds of the written value, fractional allowed. `> 0` sets that expiry; anything else
   * (`<= 0`, `Infinity`, `null`, omitted) writes the value **without** expiry, clearing any TTL the
   * key had (as upstream). Default: no expiry.
   */
  ex?: number | null;
}

/** How calls behave when Redis is slow, unreachable or fails over (DESIGN.md §14). */
export interface FaultOptions {
  /**
   * Seconds (fractional allowed) after which a call still waiting for Redis rejects with
   * `OperationTimeoutError` (a `RedisUnavailableError`): the operation may or may not have been
   * applied. `Infinity` = wait as long as the client does. Default 5 (`DEFAULTS.operationTimeout`).
   * @throws InvalidArgumentError at construction for `<= 0`, `NaN` or a non-number.
   */
  operationTimeout?: number;
  /**
   * Wait for replica acknowledgements (`WAIT`) after every state-changing call and fail closed
   * with `NotReplicatedError` when they do not come in time, so a failover cannot lose an
   * acknowledged write. Default: off (no extra round trip).
   */
  durability?: DurabilityOptions;
}

/** Construction options of `RedisLock` (and, with another default suffix, `RedisLockPool`). */
export interface RedisLockOptions extends FaultOptions {
  /** Key suffix: lock `k` lives at `prefix|suffix:k`. Default `"lock"` (`DEFAULTS.lockSuffix`). */
  suffix?: string;
  /** Tolerance of `>=`, `<=`, `==`, `!=` in the conditional operations. Default `1e-6` (`DEFAULTS.eps`). */
  eps?: number;
}

/** Construction options of `MemoryLock` / `MemoryLockPool`. */
export interface MemoryLockOptions {
  /** Tolerance of `>=`, `<=`, `==`, `!=` in the conditional operations. Default `1e-6` (`DEFAULTS.eps`). */
  eps?: number;
}

/** Lock counts of a pool's members, as reported by `healthCheck`. */
export interface LockPoolHealth {
  /** Members whose lock key exists. */
  locked: number;
  /** Members without a lock. */
  free: number;
}

/**
 * Named locks with TTLs and numeric compare-and-set / compare-and-delete. Timeouts are seconds
 * (fractional allowed; `<= 0`, `Infinity`, `null` = no expiry). Defaults: value `"1"`, timeout 120 s.
 */
export interface Lock {
  /** `FREE` (missing), `ERROR` (no expiry), `UNAVAILABLE` (TTL > `timeout` s), else `LOCKED`. */
  keyStatus(key: string, timeout?: number | null): Promise<LockStatus>;
  /** Writes the lock unconditionally (no owner check). */
  update(key: string, options?: LockOptions): Promise<void>;
  /** Acquires the lock only if nobody holds it; `true` when acquired. */
  lock(key: string, options?: LockOptions): Promise<boolean>;
  /** Acquires a free lock or re-enters one holding the same value (refreshing its TTL). */
  rlock(key: string, options?: LockOptions): Promise<boolean>;
  /** `true` when the lock is held. */
  isLocked(key: string): Promise<boolean>;
  /** The held value, or `null` when free. */
  lockValue(key: string): Promise<string | null>;
  /** Releases the lock whoever holds it; `true` when a live lock existed. */
  unlock(key: string): Promise<boolean>;
  /** Sets `key` to `setValue ?? value` when `value > current` (or the key is missing / not a number). */
  setgt(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean>;
  /** Sets when `value < current` (or missing). */
  setlt(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean>;
  /** Sets when `value >= current - eps` (or missing). */
  setge(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean>;
  /** Sets when `value <= current + eps` (or missing). */
  setle(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean>;
  /** Sets when `|value - current| < eps` (or missing). */
  seteq(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean>;
  /** Sets when `|value - current| > eps` (or missing). */
  setne(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean>;
  /** Deletes `key` when `value > current`; `true` also when the key is missing / not a number. */
  delgt(key: string, value: number): Promise<boolean>;
  /** Deletes when `value < current` (or missing). */
  dellt(key: string, value: number): Promise<boolean>;
  /** Deletes when `value >= current - eps` (or missing). */
  delge(key: string, value: number): Promise<boolean>;
  /** Deletes when `value <= current + eps` (or missing). */
  delle(key: string, value: number): Promise<boolean>;
  /** Deletes when `|value - current| < eps` (or missing). */
  deleq(key: string, value: number): Promise<boolean>;
  /** Deletes when `|value - current| > eps` (or missing). */
  delne(key: string, value: number): Promise<boolean>;
}

/** A `Lock` plus a membership set of keys whose locks can be inspected together. */
export interface LockPool extends Lock, AsyncIterable<string> {
  /** Adds members; `null`/`undefined`/`[]` = no-op. */
  extend(keys?: readonly string[] | null): Promise<void>;
  /** Removes members; unknown keys and `null`/`undefined`/`[]` = no-op. */
  shrink(keys?: readonly string[] | null): Promise<void>;
  /** Replaces the membership atomically; `null`/`undefined`/`[]` = `clear()`. */
  assign(keys?: readonly string[] | null): Promise<void>;
  /** Removes every member. */
  clear(): Promise<void>;
  /** Every member, unordered. */
  keys(): Promise<string[]>;
  /** `true` when `key` is a member. */
  has(key: string): Promise<boolean>;
  /** Number of members. */
  size(): Promise<number>;
  /** Per member, in `keys()` order: `true` when its lock is held. */
  valuesLockStatus(): Promise<boolean[]>;
  /** `[member, locked]` for every member. */
  itemsLockedStatus(): Promise<Array<[string, boolean]>>;
  /** Counts of locked and free members. */
  healthCheck(): Promise<LockPoolHealth>;
}
