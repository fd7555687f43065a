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
  /** The lease lock has no TTL (timeout `<= 0` or `Infinity`). */
  leasePermanent: boolean;
  /** Soft-binding name, `""` = none. */
  name: string;
  bindingPermanent: boolean;
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

/** Absolute expiry of a lifetime in whole seconds (0 = never: -1). */
export function expiryIn(lifetime: number, now: number): number {
  return lifetime > 0 ? Math.floor(now) + lifetime : -1;
}

/** An entry expires at exactly its expiry second; -1 never expires. */
export function isExpired(entry: ModelEntry, now: number): boolean {
  return entry.expiry > 0 && entry.expiry <= Math.floor(now);
}
