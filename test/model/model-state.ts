/**
 * The reference model's state types, the observable `PoolState` both sides are compared in, and
 * the time arithmetic (absolute Unix seconds, -1 = never) the model shares with its driver.
 */

/** Both link fields of an entry that is not on the free list (keys.ts `ALLOCATED`). */
export const ALLOCATED_MARK = '#ALLOCATED';

/** A pool member: on the free list or allocated; expiry in absolute Unix seconds, -1 = never. */
export interface ModelEntry {
  free: boolean;
  expiry: number;
}

/** A lock key. `value` null = an owner token the model was not told (plain `mallocKey`). */
export interface ModelLock {
  value: string | null;
  permanent: boolean;
}

export interface ModelBinding {
  key: string;
  permanent: boolean;
}

/**
 * A timed lock or binding TTL as the model knows it: `ttlMs` written by an operation that ran at
 * server time `setAt` (s, the model's clock when the operation was sent) or later. So at a later
 * server time `now`, Redis's remaining PTTL lies between `ttlMs - (now - setAt) * 1000` and `ttlMs`.
 */
export interface ModelTtl {
  ttlMs: number;
  setAt: number;
}

/** A timed TTL of the model, named as the Redis observer names it (`lock:<key>`, `binding:<name>`). */
export interface TimedTtl extends ModelTtl {
  id: string;
}

/** The observable pool state, in the shape the Redis observer produces too. */
export interface PoolState {
  head: string;
  tail: string;
  /** Hash order; prev/next as stored (`""` at the ends, `#ALLOCATED` when allocated). */
  entries: Array<{ key: string; prev: string; next: string; expiry: number }>;
  locks: Record<string, ModelLock>;
  bindings: Record<string, ModelBinding>;
  /** Members of the deadline index, sorted (which keys malloc/renew/release indexed). */
  deadlines: string[];
}

/** Input of one allocation (`mallocKey` / `acquireLease`). */
export interface MallocInput {
  now: number;
  /** TTL of the lease lock in ms, 0 = no TTL (timeout `<= 0` or `Infinity`). */
  leaseTtlMs: number;
  /** Soft-binding name, `""` = none. */
  name: string;
  /** TTL of the binding in ms, 0 = no TTL. */
  bindingTtlMs: number;
  /** A GC pass runs inside the allocation first (`gcCount > 0`). */
  gc: boolean;
  /** Owner token Redis wrote (exclusive mode), null when unknown. */
  token: string | null;
}

export interface ModelLease {
  key: string;
  token: string;
}

/** Whole seconds of an entry lifetime, 0 = never expires (rounds fractions up, as timeout.ts). */
export function lifetimeOf(timeout: number): number {
  return timeout > 0 && Number.isFinite(timeout) ? Math.ceil(timeout) : 0;
}

/** True when a lock or binding TTL given in seconds means "no expiry". */
export function isPermanent(timeout: number): boolean {
  return !(timeout > 0 && Number.isFinite(timeout));
}

/** A lock or binding TTL in whole ms (fractions round up, as `PX` needs), 0 = no expiry. */
export function ttlMsOf(timeout: number): number {
  return isPermanent(timeout) ? 0 : Math.ceil(timeout * 1000);
}

/** Absolute expiry of a lifetime in whole seconds (0 = never: -1). */
export function expiryIn(lifetime: number, now: number): number {
  return lifetime > 0 ? Math.floor(now) + lifetime : -1;
}

/** An entry expires at exactly its expiry second; -1 never expires. */
export function isExpired(entry: ModelEntry, now: number): boolean {
  return entry.expiry > 0 && entry.expiry <= Math.floor(now);
}

/** A queued waiting malloc of the model (DESIGN.md §10). */
export interface ModelWaiter {
  /** The driver's name for the waiter (its promise on the Redis side). */
  label: string;
  priority: number;
  input: MallocInput;
}
