/**
 * How an allocator hands out objects, keeps its pool filled and checks its resources. The
 * allocator delegates `malloc` to its policy; `DefaultRedisAllocatorPolicy` is the standard one.
 */
import { DEFAULTS } from '../../defaults.js';
import type { Allocatable, ParamsOf } from '../allocatable.js';
import type { RedisAllocatorObject } from '../allocator-object.js';
import { consoleLogger, type Logger } from '../logger.js';
import type { RedisAllocator } from '../redis-allocator.js';
import type { WaitOptions } from '../waiting/options.js';
import { checkPoolHealth } from './health-check.js';

/** Options of `allocator.malloc` / `policy.malloc` (with `wait`, `signal`, `priority`: see `WaitOptions`). */
export interface MallocOptions<U extends Allocatable = Allocatable> extends WaitOptions {
  /** Lease TTL in seconds (fractional allowed); `<= 0` or `Infinity` = never expires. Default 120. */
  timeout?: number;
  /** Object to configure for the key; its `name` (if any) is the soft-binding name. */
  obj?: U;
  /** Passed to `obj.setConfig(key, params)`. */
  params?: ParamsOf<U>;
  /** Soft-binding TTL in seconds; `<= 0` = never expires. Default 3600. */
  cacheTimeout?: number;
  /**
   * Keep the lease alive (see `RedisAllocatorObject.keepAlive`) with `renewEvery` and `maxHold`.
   * Needs a finite positive `timeout`. Default false.
   */
  keepAlive?: boolean;
  /** Seconds between keep-alive renewals. Default: a third of `timeout`. */
  renewEvery?: number;
  /** Seconds after which keep-alive stops renewing (positive; Infinity = no cap). Default Infinity. */
  maxHold?: number;
  /** Holder label written into the lock value (`<holder>:<random>@<fence>`). Default `<host>:<pid>`. */
  holder?: string;
}

/** Options of `checkHealth`. */
export interface CheckHealthOptions<U extends Allocatable = Allocatable> {
  /**
   * Seconds each checked key stays leased while it is checked, and the quarantine of an unhealthy
   * key (upstream ignored it for the quarantine: F13). `<= 0` = quarantined until freed. Default 3600.
   */
  lockDuration?: number;
  /** Checks in flight at once (upstream `max_threads`). Default 8. */
  concurrency?: number;
  /** Builds the object to check for a key; without it only the key is checked (always healthy). */
  objFn?: (key: string) => U | undefined;
  /** Builds the params passed to `obj.setConfig(key, params)`. */
  paramsFn?: (key: string) => ParamsOf<U> | undefined;
}

/** Outcome of `checkHealth`, in keys. */
export interface HealthCheckResult {
  /** Checked and healthy: returned to the free list. */
  healthy: number;
  /** Checked and unhealthy (or the check threw): quarantined for `lockDuration`. */
  unhealthy: number;
  /** Held by someone else (or quarantined, or gone) when the check reached them: not checked. */
  skipped: number;
}

/** Construction options shared by every policy. */
export interface PolicyOptions {
  /** Where background failures are reported. Default `consoleLogger` (`console.warn`). */
  logger?: Logger;
}

export abstract class RedisAllocatorPolicy {
  /** Receives the problems the policy cannot throw to a caller (e.g. a failed background refresh). */
  readonly logger: Logger;

  constructor(options: PolicyOptions = {}) {
    this.logger = options.logger ?? consoleLogger;
  }

  /** Called once by each allocator constructed with this policy. Default: nothing. */
  initialize(_allocator: RedisAllocator): void {}

  /** Allocates a key and wraps it (with `options.obj`) in a `RedisAllocatorObject`; `null` when none is free. */
  abstract malloc<U extends Allocatable>(
    allocator: RedisAllocator<U>,
    options: MallocOptions<U>,
  ): Promise<RedisAllocatorObject<U> | null>;

  /** Updates the pool from the policy's source of keys. */
  abstract refreshPool(allocator: RedisAllocator): Promise<void>;

  /** Rebuilds the pool from every source of keys at once. */
  abstract refreshPoolAll(allocator: RedisAllocator): Promise<void>;

  /**
   * Opens the object, asks `isHealthy`, and always closes it again. Unhealthy: `setUnhealthy(duration)`
   * (quarantine). Healthy shared-mode rotation: the key's quarantine, if any, ends. A check that
   * throws quarantines the key too, is logged, and rethrows. Default duration 3600 s.
   */
  async checkHealthOnce<U extends Allocatable>(
    obj: RedisAllocatorObject<U>,
    duration: number = DEFAULTS.quarantine,
  ): Promise<boolean> {
    let healthy: boolean;
    try {
      await obj.open();
      healthy = await obj.isHealthy();
    } catch (error) {
      this.logger.warn('health check threw; quarantining the key', { key: obj.key, error });
      await obj.setUnhealthy(duration);
      throw error;
    } finally {
      await obj.close().catch((error: unknown) => {
        this.logger.warn('close after a health check threw', { key: obj.key, error });
      });
    }
    if (!healthy) await obj.setUnhealthy(duration);
    else if (obj.allocator.shared && obj.token === '') await obj.allocator.unlock(obj.key);
    return healthy;
  }

  /**
   * Checks every pool member, `concurrency` at a time. Each key is first leased for `lockDuration`
   * (`acquireKey`), so keys held by others are skipped and a key is never handed out mid-check;
   * healthy keys are freed, unhealthy ones stay locked for `lockDuration` (quarantine) and GC returns
   * them afterwards. A check that throws counts as unhealthy (logged) and does not stop the others.
   * A check that never settles keeps this call waiting: bound `isHealthy` yourself.
   */
  checkHealth<U extends Allocatable>(
    allocator: RedisAllocator<U>,
    options: CheckHealthOptions<U> = {},
  ): Promise<HealthCheckResult> {
    return checkPoolHealth(this, allocator, options);
  }
}
