/**
 * `RedisAllocator`: the pool primitives of `RedisAllocatorCore` plus the object layer — `malloc`
 * returns a `RedisAllocatorObject` through the allocator's policy, `free` releases one.
 */
import type { RedisClient } from '../client/index.js';
import { type DiagnoseOptions, diagnose } from '../diagnostics/report.js';
import type { PoolReport } from '../diagnostics/report-types.js';
import type { Allocatable } from './allocatable.js';
import type { RedisAllocatorObject } from './allocator-object.js';
import { DefaultRedisAllocatorPolicy } from './policy/default-policy.js';
import type { MallocOptions, RedisAllocatorPolicy } from './policy/policy.js';
import { RedisAllocatorCore } from './redis-allocator-core.js';
import type { AllocatorCoreOptions, FreeOptions } from './types.js';

/** Construction options of `RedisAllocator`. */
export interface RedisAllocatorOptions extends AllocatorCoreOptions {
  /** How `malloc` allocates and the pool is refreshed. Default `new DefaultRedisAllocatorPolicy()`. */
  policy?: RedisAllocatorPolicy;
}

/**
 * A pool of named resources on Redis, shared by many processes: allocate (`malloc`, `mallocKey`),
 * renew and free leases, soft binding, GC, plus the lock methods on `P|S:<key>`.
 * @typeParam U the allocatable objects passed to `malloc`.
 */
export class RedisAllocator<U extends Allocatable = Allocatable> extends RedisAllocatorCore {
  readonly policy: RedisAllocatorPolicy;

  constructor(redis: RedisClient, prefix: string, options: RedisAllocatorOptions = {}) {
    super(redis, prefix, options);
    this.policy = options.policy ?? new DefaultRedisAllocatorPolicy();
    this.policy.initialize(this as RedisAllocator);
  }

  /**
   * Allocates a key through the policy and wraps it with `options.obj` (configured with
   * `obj.setConfig(key, params)`; `obj.name` is the soft-binding name). Release it with
   * `await using`, `release()` or `free()`.
   * @returns `null` when no key is free.
   */
  malloc(options: MallocOptions<U> = {}): Promise<RedisAllocatorObject<U> | null> {
    return this.policy.malloc(this, options);
  }

  /**
   * Frees the object's lease only while its token still holds the key (a stale holder never frees
   * someone else's lease). Does not close the object — `obj.release()` does both.
   * @param options.timeout new lifetime of the pool entry in seconds; default: keep it.
   * @returns `true` when the lease was ours and is now free (always `true` for a shared rotation).
   */
  free(obj: RedisAllocatorObject<U>, options: FreeOptions = {}): Promise<boolean> {
    return this.releaseLease(obj.lease, options);
  }

  /**
   * A diagnostics report of this pool: `diagnose(this, options)` (one atomic snapshot plus bounded
   * advisory scans; read-only).
   */
  inspect(options: DiagnoseOptions = {}): Promise<PoolReport> {
    return diagnose(this, options);
  }
}
