/** `RedisLockPool` semantics in one process's memory (see `MemoryLock`). */
import { assertName } from '../keys.js';
import { memberKeys } from './conditional.js';
import { MemoryLock } from './memory-lock.js';
import type { LockPool, LockPoolHealth, MemoryLockOptions } from './types.js';

/**
 * A `MemoryLock` with a membership set. Same rules as `RedisLockPool`: `null`/`undefined`/`[]` are
 * no-ops for `extend` and `shrink` (upstream's in-memory `shrink(None)` threw), `assign` of nothing
 * clears, and membership changes never touch locks.
 */
export class MemoryLockPool extends MemoryLock implements LockPool {
  private readonly members = new Set<string>();

  /** @param options `eps` default `1e-6` (`DEFAULTS.eps`). */
  constructor(options: MemoryLockOptions = {}) {
    super(options);
  }

  /** Adds members; `null`/`undefined`/`[]` = nothing to do. Locks are not touched. */
  async extend(keys?: readonly string[] | null): Promise<void> {
    for (const key of memberKeys(keys)) this.members.add(key);
  }

  /** Removes members; unknown keys and `null`/`undefined`/`[]` are no-ops. Locks stay. */
  async shrink(keys?: readonly string[] | null): Promise<void> {
    for (const key of memberKeys(keys)) this.members.delete(key);
  }

  /** Replaces the membership with `keys`; `null`/`undefined`/`[]` = `clear()`. Locks of removed members stay. */
  async assign(keys?: readonly string[] | null): Promise<void> {
    const members = memberKeys(keys);
    this.members.clear();
    for (const key of members) this.members.add(key);
  }

  /** Removes every member. Locks stay. */
  async clear(): Promise<void> {
    this.members.clear();
  }

  /** Every member (a copy, in insertion order). */
  async keys(): Promise<string[]> {
    return [...this.members];
  }

  /** `true` when `key` is a member. */
  async has(key: string): Promise<boolean> {
    assertName(key, 'lock key');
    return this.members.has(key);
  }

  /** Number of members. */
  async size(): Promise<number> {
    return this.members.size;
  }

  /** Yields the members as they were when iteration started. */
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    yield* [...this.members];
  }

  /** For each member, in `keys()` order: `true` when its lock is held. */
  async valuesLockStatus(): Promise<boolean[]> {
    return (await this.itemsLockedStatus()).map(([, locked]) => locked);
  }

  /** `[member, locked]` for every member. */
  async itemsLockedStatus(): Promise<Array<[string, boolean]>> {
    const result: Array<[string, boolean]> = [];
    for (const key of [...this.members]) result.push([key, await this.isLocked(key)]);
    return result;
  }

  /** Counts of members with and without a lock; `{ locked: 0, free: 0 }` for an empty pool. */
  async healthCheck(): Promise<LockPoolHealth> {
    const status = await this.valuesLockStatus();
    const locked = status.filter(Boolean).length;
    return { locked, free: status.length - locked };
  }
}
