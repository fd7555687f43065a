/**
 * In-process locks with exactly the semantics of `RedisLock` (upstream F18: the Python
 * `ThreadLock` diverged). Time is the monotonic `performance.now()` clock, so wall-clock jumps
 * neither free nor extend a lock.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULTS } from '../defaults.js';
import { assertName } from '../keys.js';
import { assertSeconds } from '../timeout.js';
import { BaseLock, type ConditionalCommand, conditionHolds, parseStoredNumber } from './conditional.js';
import { LockStatus } from './lock-status.js';
import { lockArguments, statusOf } from './redis-lock.js';
import type { Lock, LockOptions, MemoryLockOptions } from './types.js';

/** One live lock: its value and when it ends (`performance.now()` ms; `Infinity` = no expiry). */
interface LockEntry {
  value: string;
  expiresAt: number;
}

/**
 * `RedisLock` semantics in one process's memory: same defaults, same validation errors, same
 * `LockStatus` answers (a lock without expiry is `ERROR`), same conditional-operation rules and
 * stored number text. Expired locks are dropped when touched; reading never creates an entry.
 * Methods return promises only to share the `Lock` interface; each runs atomically.
 */
export class MemoryLock extends BaseLock implements Lock {
  private readonly locks = new Map<string, LockEntry>();

  /** @param options `eps` default `1e-6` (`DEFAULTS.eps`). */
  constructor(options: MemoryLockOptions = {}) {
    super(options.eps ?? DEFAULTS.eps);
  }

  /**
   * Where lock `key` stands relative to `timeout` seconds: missing → `FREE`; no expiry →
   * `ERROR`; more than `timeout` s left → `UNAVAILABLE`; otherwise `LOCKED`.
   * @param timeout threshold in seconds, default 120 (`DEFAULTS.lockTimeout`); `null` = no threshold.
   */
  async keyStatus(key: string, timeout: number | null = DEFAULTS.lockTimeout): Promise<LockStatus> {
    assertName(key, 'lock key');
    assertSeconds(timeout, 'timeout');
    const entry = this.live(key);
    if (entry === undefined) return LockStatus.FREE;
    const ttlMs = entry.expiresAt === Number.POSITIVE_INFINITY ? null : entry.expiresAt - performance.now();
    return statusOf(ttlMs, timeout);
  }

  /** Writes lock `key` unconditionally: value default `"1"`, TTL default 120 s; `timeout <= 0` = no expiry. */
  async update(key: string, options?: LockOptions): Promise<void> {
    assertName(key, 'lock key');
    const { value, ttlMs } = lockArguments(options);
    this.write(key, value, ttlMs);
  }

  /** Acquires lock `key` only if nobody holds it. Defaults as `update`. @returns `true` when acquired. */
  async lock(key: string, options?: LockOptions): Promise<boolean> {
    assertName(key, 'lock key');
    const { value, ttlMs } = lockArguments(options);
    if (this.live(key) !== undefined) return false;
    this.write(key, value, ttlMs);
    return true;
  }

  /**
   * Re-entrant lock: acquires `key` when free, or re-enters it when it already holds exactly
   * `value`, refreshing the TTL to `timeout`. Defaults as `update`.
   * @returns `true` when acquired or re-entered, `false` when held with another value.
   */
  async rlock(key: string, options?: LockOptions): Promise<boolean> {
    assertName(key, 'lock key');
    const { value, ttlMs } = lockArguments(options);
    const entry = this.live(key);
    if (entry !== undefined && entry.value !== value) return false;
    this.write(key, value, ttlMs);
    return true;
  }

  /** `true` when lock `key` is held (whatever its value). */
  async isLocked(key: string): Promise<boolean> {
    assertName(key, 'lock key');
    return this.live(key) !== undefined;
  }

  /** The value lock `key` holds, or `null` when it is free. */
  async lockValue(key: string): Promise<string | null> {
    assertName(key, 'lock key');
    return this.live(key)?.value ?? null;
  }

  /** Releases lock `key` whoever holds it. @returns `true` when a live lock existed. */
  async unlock(key: string): Promise<boolean> {
    assertName(key, 'lock key');
    const held = this.live(key) !== undefined;
    this.locks.delete(key);
    return held;
  }

  protected async applyConditional(key: string, command: ConditionalCommand): Promise<boolean> {
    const current = parseStoredNumber(this.live(key)?.value);
    if (!conditionHolds(command.op, command.value, current, this.eps)) return false;
    if (command.store === null) this.locks.delete(key);
    else this.write(key, command.store, command.ttlMs);
    return true;
  }

  /** The live entry of `key`; an expired one is dropped on the way. */
  private live(key: string): LockEntry | undefined {
    const entry = this.locks.get(key);
    if (entry !== undefined && entry.expiresAt <= performance.now()) {
      this.locks.delete(key);
      return undefined;
    }
    return entry;
  }

  private write(key: string, value: string, ttlMs: number): void {
    const expiresAt = ttlMs > 0 ? performance.now() + ttlMs : Number.POSITIVE_INFINITY;
    this.locks.set(key, { value, expiresAt });
  }
}
