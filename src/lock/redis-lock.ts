/**
 * Named locks on Redis: lock `k` is the string key `prefix|suffix:k`, byte-compatible with the
 * Python library. Names and values reach Lua only through KEYS/ARGV (upstream F14).
 */
import {
  type RedisClient,
  RedisCommands,
  type RedisConnection,
  toConnection,
  withOperationTimeout,
} from '../client/index.js';
import { DEFAULTS } from '../defaults.js';
import { Durability } from '../durability.js';
import { assertName, lockKeyPrefix } from '../keys.js';
import { LuaScript } from '../scripts/loader.js';
import conditionalSource from '../scripts/lock/conditional.lua';
import rlockSource from '../scripts/lock/rlock.lua';
import { assertSeconds, toOperationTimeoutMs, toTtlMs } from '../timeout.js';
import { assertLockValue, BaseLock, type ConditionalCommand } from './conditional.js';
import { LockStatus } from './lock-status.js';
import type { Lock, LockOptions, RedisLockOptions } from './types.js';

const scripts = {
  conditional: new LuaScript('lock/conditional', conditionalSource),
  rlock: new LuaScript('lock/rlock', rlockSource),
};

/** Milliseconds per second: `PTTL` answers in ms, timeouts are given in seconds. */
const MS_PER_SECOND = 1000;

/** Validated `lock` / `rlock` / `update` options: value and TTL in ms (0 = no expiry). */
export function lockArguments(options: LockOptions = {}): { value: string; ttlMs: number } {
  const { value = DEFAULTS.lockValue, timeout = DEFAULTS.lockTimeout } = options;
  assertLockValue(value);
  return { value, ttlMs: toTtlMs(timeout, 'timeout') };
}

/** `keyStatus` from a remaining TTL in ms (`null` = no expiry) and a threshold in seconds. */
export function statusOf(ttlMs: number | null, timeout: number | null): LockStatus {
  if (ttlMs === null) return LockStatus.ERROR;
  return ttlMs / MS_PER_SECOND > (timeout ?? Number.POSITIVE_INFINITY)
    ? LockStatus.UNAVAILABLE
    : LockStatus.LOCKED;
}

/**
 * Distributed named locks with TTLs, plus numeric compare-and-set / compare-and-delete.
 *
 * Every method validates its input before talking to Redis: a non-string key throws
 * `InvalidKeyError`, a non-string value `InvalidArgumentError`, a timeout that is not a number
 * `InvalidTimeoutError` (as a rejected promise).
 */
export class RedisLock extends BaseLock implements Lock {
  /** The client the caller passed (ioredis, iovalkey or node-redis; standalone or cluster). */
  readonly redis: RedisClient;
  /**
   * The library's view of `redis`, bounded by `operationTimeout`: every command and script goes
   * through it (internal).
   */
  readonly connection: RedisConnection;
  /** Replica acknowledgements every write waits for; `undefined` = durability off. */
  readonly durability: Durability | undefined;
  /** Typed plain commands over `connection`. */
  protected readonly commands: RedisCommands;
  /** Key prefix `P` of every lock key `P|S:<key>`. */
  readonly prefix: string;
  /** Key suffix `S` of every lock key `P|S:<key>`. Default `"lock"` (`DEFAULTS.lockSuffix`). */
  readonly suffix: string;
  /** `P|S:` — computed once; lock keys are this plus the lock name. */
  private readonly keyPrefix: string;

  /**
   * @param redis  your Redis client: ioredis 5/6 or iovalkey (`Redis`, `Cluster`), or node-redis 5/6
   *               (`createClient()`, `createCluster()`), detected automatically. On a cluster, keys
   *               of one lock share a slot only if `prefix` carries a hash tag such as `{app}`.
   * @param prefix first part of every key name; any string (quotes, backslashes, newlines are fine).
   * @throws InvalidKeyError for a non-string prefix or suffix; InvalidArgumentError for a bad `eps`,
   *         `operationTimeout` or `durability`, or an unsupported client.
   */
  constructor(redis: RedisClient, prefix: string, options: RedisLockOptions = {}) {
    super(options.eps ?? DEFAULTS.eps);
    const suffix = options.suffix ?? DEFAULTS.lockSuffix;
    assertName(prefix, 'prefix');
    assertName(suffix, 'suffix');
    const timeoutMs = toOperationTimeoutMs(options.operationTimeout);
    this.durability = Durability.from(options.durability);
    this.redis = redis;
    this.connection = withOperationTimeout(toConnection(redis), timeoutMs);
    this.commands = new RedisCommands(this.connection);
    this.prefix = prefix;
    this.suffix = suffix;
    this.keyPrefix = lockKeyPrefix(prefix, suffix);
  }

  /**
   * Full Redis key of lock `key`: `${prefix}|${suffix}:${key}`.
   * @throws InvalidKeyError when `key` is not a string (or is absurdly long).
   */
  protected lockKey(key: string): string {
    assertName(key, 'lock key');
    return this.keyPrefix + key;
  }

  /**
   * Where lock `key` stands relative to `timeout` seconds, from its remaining TTL (`PTTL`):
   * missing → `FREE`; no expiry → `ERROR`; more than `timeout` s left → `UNAVAILABLE`;
   * otherwise `LOCKED`.
   * @param timeout threshold in seconds, default 120 (`DEFAULTS.lockTimeout`); `null` = no threshold.
   */
  async keyStatus(key: string, timeout: number | null = DEFAULTS.lockTimeout): Promise<LockStatus> {
    const lockKey = this.lockKey(key);
    assertSeconds(timeout, 'timeout');
    const ttlMs = await this.commands.pttl(lockKey);
    if (ttlMs === -2) return LockStatus.FREE;
    return statusOf(ttlMs === -1 ? null : ttlMs, timeout);
  }

  /**
   * Writes lock `key` unconditionally (no owner check): value default `"1"`, TTL default 120 s;
   * `timeout <= 0` = no expiry.
   */
  async update(key: string, options?: LockOptions): Promise<void> {
    const lockKey = this.lockKey(key);
    const { value, ttlMs } = lockArguments(options);
    await this.durably('update', lockKey, () => this.commands.set(lockKey, value, ttlMs));
  }

  /**
   * Acquires lock `key` only if nobody holds it (`SET NX`): value default `"1"`, TTL default
   * 120 s; `timeout <= 0` = no expiry. @returns `true` when acquired.
   */
  async lock(key: string, options?: LockOptions): Promise<boolean> {
    const lockKey = this.lockKey(key);
    const { value, ttlMs } = lockArguments(options);
    return this.durably('lock', lockKey, () => this.commands.set(lockKey, value, ttlMs, true));
  }

  /**
   * Re-entrant lock: acquires `key` when free, or re-enters it when it already holds exactly
   * `value`; a re-entry **refreshes the TTL** to `timeout` (upstream Redis did not; DESIGN F18).
   * Value default `"1"`, TTL default 120 s, `timeout <= 0` = no expiry.
   * @returns `true` when acquired or re-entered, `false` when held with another value.
   */
  async rlock(key: string, options?: LockOptions): Promise<boolean> {
    const lockKey = this.lockKey(key);
    const { value, ttlMs } = lockArguments(options);
    const reply = await this.durably('rlock', lockKey, () =>
      scripts.rlock.run(this.connection, [lockKey], [value, ttlMs]),
    );
    return reply === 1;
  }

  /** `true` when lock `key` exists (whatever its value). */
  async isLocked(key: string): Promise<boolean> {
    return this.commands.exists(this.lockKey(key));
  }

  /** The value lock `key` holds, or `null` when it is free. */
  async lockValue(key: string): Promise<string | null> {
    return this.commands.get(this.lockKey(key));
  }

  /** Deletes lock `key` whoever holds it. @returns `true` when a lock existed. */
  async unlock(key: string): Promise<boolean> {
    const lockKey = this.lockKey(key);
    return (await this.durably('unlock', lockKey, () => this.commands.del(lockKey))) === 1;
  }

  protected async applyConditional(key: string, command: ConditionalCommand): Promise<boolean> {
    const args = [command.op, command.argument, String(this.eps), command.store ?? '', command.ttlMs];
    const lockKey = this.lockKey(key);
    const reply = await this.durably(command.op, lockKey, () =>
      scripts.conditional.run(this.connection, [lockKey], args),
    );
    return reply === 1;
  }

  /**
   * Runs `write`, then (durability on) waits for the replicas to confirm it on the connection that
   * carried it, the one serving `routingKey`. Durability off: `write()`'s own promise, no wrapper.
   */
  protected durably<T>(what: string, routingKey: string, write: () => Promise<T>): Promise<T> {
    const durability = this.durability;
    if (durability === undefined) return write();
    const pending = durability.begin(this.connection, routingKey);
    return write().then(async (result) => {
      await pending.confirm(what);
      return result;
    });
  }
}
