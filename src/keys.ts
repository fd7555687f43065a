/**
 * Every Redis key name this library writes, built in one place, plus the validation of what users
 * put into key names. The layout is byte-compatible with the Python `redis-allocator` (DESIGN.md §3).
 */
import { InvalidKeyError } from './errors.js';

/** Marker in both link fields of a pool entry that is not on the free list. */
export const ALLOCATED = '#ALLOCATED';
/** Separator of the `prev||next||expiry` pool-entry encoding. */
export const ENTRY_SEPARATOR = '||';
/** Longest resource key or binding name we accept, in UTF-16 code units. */
export const MAX_KEY_LENGTH = 4096;

/**
 * Throws `InvalidKeyError` unless `key` can be a pool member without corrupting the
 * `prev||next||expiry` encoding (upstream F1, L6–L10).
 */
export function assertResourceKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new InvalidKeyError(key, 'resource keys must be strings');
  if (key === '') throw new InvalidKeyError(key, 'resource keys must not be empty');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidKeyError(key, `longer than ${MAX_KEY_LENGTH} characters`);
  if (key === ALLOCATED) throw new InvalidKeyError(key, `"${ALLOCATED}" is the allocation marker`);
  if (key.includes(ENTRY_SEPARATOR)) throw new InvalidKeyError(key, 'must not contain "||"');
  if (key.startsWith('|') || key.endsWith('|'))
    throw new InvalidKeyError(key, 'must not start or end with "|"');
  if (key.includes('\0')) throw new InvalidKeyError(key, 'must not contain NUL');
}

/** Validates a whole batch first, so a bad key anywhere means nothing is written. */
export function assertResourceKeys(keys: unknown): asserts keys is string[] {
  if (!Array.isArray(keys)) throw new InvalidKeyError(keys, 'expected an array of resource keys');
  for (const key of keys) assertResourceKey(key);
}

/** Lock keys, binding names, prefixes: any string up to the length limit. */
export function assertName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string') throw new InvalidKeyError(name, `${what} must be a string`);
  if (name.length > MAX_KEY_LENGTH)
    throw new InvalidKeyError(name, `${what} longer than ${MAX_KEY_LENGTH} characters`);
}

/** True when `name` contains a Redis Cluster hash tag (`{…}` with at least one character). */
export function hasHashTag(name: string): boolean {
  const open = name.indexOf('{');
  if (open < 0) return false;
  const close = name.indexOf('}', open + 1);
  return close > open + 1;
}

/**
 * On a cluster every key of one allocator must share a slot: a prefix without a hash tag becomes
 * `{prefix}`. Standalone clients keep the prefix as is (byte compatibility with Python peers).
 */
export function effectivePrefix(prefix: string, cluster: boolean): string {
  return cluster && !hasHashTag(prefix) ? `{${prefix}}` : prefix;
}

/** Key names of a `RedisLock`: `P|S:<key>`. */
export function lockKeyPrefix(prefix: string, suffix: string): string {
  return `${prefix}|${suffix}:`;
}

/** Key names of a `RedisLockPool`: membership set `P|S|pool` plus the lock keys. */
export function lockPoolKey(prefix: string, suffix: string): string {
  return `${prefix}|${suffix}|pool`;
}

/** Every key of one allocator (DESIGN.md §3). */
export interface AllocatorKeys {
  /** Hash: field = resource key, value = `prev||next||expiry`. */
  readonly pool: string;
  readonly head: string;
  readonly tail: string;
  /** HSCAN cursor of the incremental GC. */
  readonly gcCursor: string;
  /** While this key lives, mallocs skip their folded GC step (see `AcquireLeaseOptions.gcInterval`). */
  readonly gcGate: string;
  /** Fence counter: `INCR`'d once per exclusive allocation, so fences strictly increase per pool. */
  readonly fence: string;
  /**
   * Deadline index (sorted set): member = resource key, score = Unix milliseconds at which its
   * lock ends. Malloc, renew and release keep it; malloc and GC pop it, so an ended lease or
   * cooldown returns promptly at any pool size. Python peers ignore it.
   */
  readonly deadlines: string;
  /** Allocation locks are `lockPrefix + key`. */
  readonly lockPrefix: string;
  /** Soft bindings are `bindPrefix + name`. */
  readonly bindPrefix: string;
  /** Where upstream's `update_soft_bind` wrote bindings; only deleted, for interop. */
  readonly legacyBindPrefix: string;
  /** Fleet-wide refresh lock of the default policy (upstream's double-prefixed shape). */
  readonly policyLock: string;
  /**
   * Sorted set of waiting tickets (DESIGN.md §10): score -priority, member the ticket's entry
   * `<arrival>|<ticket>|<instance>|<token>|<ttlMs>|<bindTtlMs>|<queuedAtMs>|<name>`.
   */
  readonly waiters: string;
  /** Hash: field = ticket id, value = the ticket's entry, the same string as its queue member. */
  readonly tickets: string;
  /** Counter giving each queued ticket its arrival number. */
  readonly waiterArrival: string;
  /** Hand-offs to an allocator instance are pushed to `mailboxPrefix + instance` (a list). */
  readonly mailboxPrefix: string;
  /** `alivePrefix + instance` lives while the instance's mailbox loop runs. */
  readonly alivePrefix: string;
}

export function allocatorKeys(prefix: string, suffix: string): AllocatorKeys {
  const base = `${prefix}|${suffix}`;
  const pool = `${base}|pool`;
  const lockPrefix = `${base}:`;
  const bindPrefix = `${base}-cache:bind:`;
  return {
    pool,
    head: `${pool}|head`,
    tail: `${pool}|tail`,
    gcCursor: `${pool}|gc_cursor`,
    gcGate: `${pool}|gc_gate`,
    fence: `${pool}|fence`,
    deadlines: `${pool}|deadlines`,
    lockPrefix,
    bindPrefix,
    legacyBindPrefix: `${lockPrefix}${bindPrefix}`,
    policyLock: `${lockPrefix}${pool}|policy_update_lock`,
    waiters: `${pool}|waiters`,
    tickets: `${pool}|tickets`,
    waiterArrival: `${pool}|waiters_arrival`,
    mailboxPrefix: `${pool}|mailbox:`,
    alivePrefix: `${pool}|alive:`,
  };
}
