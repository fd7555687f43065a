/**
 * A set of lock names on Redis: membership lives in the set `prefix|suffix|pool`, each member's
 * lock in `prefix|suffix:<key>` (inherited from `RedisLock`). Membership changes never touch locks.
 */
import type { RedisClient } from '../client/index.js';
import { DEFAULTS } from '../defaults.js';
import { assertName, lockPoolKey } from '../keys.js';
import { LuaScript } from '../scripts/loader.js';
import assignSource from '../scripts/lock/lock-pool-assign.lua';
import { memberKeys } from './conditional.js';
import { RedisLock } from './redis-lock.js';
import type { LockPool, LockPoolHealth, RedisLockOptions } from './types.js';

const assignScript = new LuaScript('lock/lock-pool-assign', assignSource);

/** Lock keys read per `MGET` (bounds the size of one reply). */
const STATUS_BATCH = 1000;
/** `COUNT` hint of each `SSCAN` page of the async iterator. */
const SCAN_PAGE = 1000;

/** A `RedisLock` with a membership set whose members' locks can be inspected together. */
export class RedisLockPool extends RedisLock implements LockPool {
  /** The membership set `P|S|pool`. */
  protected readonly poolKey: string;

  /**
   * @param prefix first part of every key name (any string).
   * @param options `suffix` default `"lock-pool"` (`DEFAULTS.lockPoolSuffix`), `eps` default `1e-6`.
   */
  constructor(redis: RedisClient, prefix: string, options: RedisLockOptions = {}) {
    super(redis, prefix, { ...options, suffix: options.suffix ?? DEFAULTS.lockPoolSuffix });
    this.poolKey = lockPoolKey(this.prefix, this.suffix);
  }

  /** Adds members (`SADD`); `null`/`undefined`/`[]` = nothing to do. Locks are not touched. */
  async extend(keys?: readonly string[] | null): Promise<void> {
    const members = memberKeys(keys);
    if (members.length === 0) return;
    await this.durably('extend', this.poolKey, () => this.commands.sadd(this.poolKey, members));
  }

  /** Removes members (`SREM`); unknown keys and `null`/`undefined`/`[]` are no-ops. Locks stay. */
  async shrink(keys?: readonly string[] | null): Promise<void> {
    const members = memberKeys(keys);
    if (members.length === 0) return;
    await this.durably('shrink', this.poolKey, () => this.commands.srem(this.poolKey, members));
  }

  /**
   * Atomically replaces the membership with `keys` (one script; any number of keys).
   * `null`/`undefined`/`[]` = `clear()`. Locks of removed members stay.
   */
  async assign(keys?: readonly string[] | null): Promise<void> {
    const members = memberKeys(keys);
    if (members.length === 0) return this.clear();
    await this.durably('assign', this.poolKey, () =>
      assignScript.run(this.connection, [this.poolKey], members),
    );
  }

  /** Removes every member. Locks stay. */
  async clear(): Promise<void> {
    await this.durably('clear', this.poolKey, () => this.commands.del(this.poolKey));
  }

  /** Every member, in no particular order (`SMEMBERS`: one reply; prefer `for await` for huge pools). */
  async keys(): Promise<string[]> {
    return this.commands.smembers(this.poolKey);
  }

  /** `true` when `key` is a member. */
  async has(key: string): Promise<boolean> {
    assertName(key, 'lock key');
    return this.commands.sismember(this.poolKey, key);
  }

  /** Number of members (`SCARD`, O(1)). */
  async size(): Promise<number> {
    return this.commands.scard(this.poolKey);
  }

  /**
   * Streams the members page by page with `SSCAN`, so a huge pool is never one reply. Redis SCAN
   * guarantees apply: every member present for the whole iteration is yielded; a member may be
   * yielded twice if the set is resized meanwhile.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    let cursor = '0';
    do {
      const [next, members] = await this.commands.sscan(this.poolKey, cursor, SCAN_PAGE);
      yield* members;
      cursor = next;
    } while (cursor !== '0');
  }

  /** For each member, in `keys()` order: `true` when its lock key exists. */
  async valuesLockStatus(): Promise<boolean[]> {
    return (await this.itemsLockedStatus()).map(([, locked]) => locked);
  }

  /** `[member, locked]` for every member (membership read first, then the locks in batches). */
  async itemsLockedStatus(): Promise<Array<[string, boolean]>> {
    const members = await this.keys();
    const result: Array<[string, boolean]> = [];
    for (let start = 0; start < members.length; start += STATUS_BATCH) {
      const batch = members.slice(start, start + STATUS_BATCH);
      const locked = await this.lockedBatch(batch.map((key) => this.lockKey(key)));
      batch.forEach((key, i) => {
        result.push([key, locked[i] === true]);
      });
    }
    return result;
  }

  /** Counts of members with and without a lock; `{ locked: 0, free: 0 }` for an empty pool. */
  async healthCheck(): Promise<LockPoolHealth> {
    const status = await this.valuesLockStatus();
    const locked = status.filter(Boolean).length;
    return { locked, free: status.length - locked };
  }

  /** One `MGET`; on a cluster the lock keys may span slots, so each is read on its own. */
  private async lockedBatch(lockKeys: string[]): Promise<boolean[]> {
    if (this.connection.isCluster)
      return Promise.all(lockKeys.map((lockKey) => this.commands.exists(lockKey)));
    return (await this.commands.mget(lockKeys)).map((value) => value !== null);
  }
}
