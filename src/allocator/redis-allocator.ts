/**
 * `RedisAllocator`: the pool primitives of `RedisAllocatorCore` plus the object layer — `malloc`
 * returns a `RedisAllocatorObject` through the allocator's policy, `free` releases one.
 */
import type { RedisClient } from '../client/index.js';
import { type DiagnoseOptions, diagnose } from '../diagnostics/report.js';
import type { PoolReport } from '../diagnostics/report-types.js';
import type { Allocatable } from './allocatable.js';
import type { RedisAllocatorObject } from './allocator-object.js';
import { LeaseKeeper } from './lease-keeper.js';
import { DefaultRedisAllocatorPolicy } from './policy/default-policy.js';
import type { MallocOptions, RedisAllocatorPolicy } from './policy/policy.js';
import { RedisAllocatorCore } from './redis-allocator-core.js';
import type { AllocatorCoreOptions, ReleaseOptions } from './types.js';
import { type LeaseWork, runWithLease, type UsingOptions } from './using.js';

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
  #keeper: LeaseKeeper | undefined;

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
   * @param options.cooldown seconds the key rests before it returns to the pool by itself.
   * @returns `true` when the lease was ours and is now free (always `true` for a shared rotation).
   */
  free(obj: RedisAllocatorObject<U>, options: ReleaseOptions = {}): Promise<boolean> {
    return this.releaseLease(obj.lease, options);
  }

  /**
   * Holds a key for the duration of `work`: mallocs it (with `options`), keeps it alive, runs
   * `work(obj, signal)`, always releases it (also when `work` throws) and returns `work`'s result.
   * `signal` aborts when the lease is lost or `options.signal` aborts; stop using the key then.
   * @throws NoResourceError when no key was free; the abort reason when `options.signal` was
   *   already aborted; whatever `work` throws.
   */
  using<T>(options: UsingOptions<U>, work: LeaseWork<U, T>): Promise<T> {
    return runWithLease(this, options, work);
  }

  /**
   * Stops every keep-alive and deadline timer of this allocator (at once, before any await; no
   * Redis call): objects that still hold a lease see their `signal` abort with reason `released`
   * ("allocator closed"); their leases end at their timeout unless `release()`d, which still works.
   * Then ends this instance's waits in progress (they reject with `AllocatorClosedError`) and closes
   * its blocking connection. The client stays open and the allocator usable.
   * `await using allocator = new RedisAllocator(…)` calls it.
   */
  override async close(): Promise<void> {
    for (const lease of this.#keeper?.close() ?? []) lease.onLost('released', 'the allocator was closed');
    this.#keeper = undefined;
    await super.close();
  }

  /**
   * @internal The keep-alive and deadline timer of this allocator's objects (one per instance).
   */
  get leaseKeeper(): LeaseKeeper {
    this.#keeper ??= new LeaseKeeper(
      (leases) => this.renewLeases(leases),
      (lost) => {
        // Renewed after it was reported lost: give the key back rather than sit on it.
        this.releaseLease(lost).catch(() => undefined);
      },
    );
    return this.#keeper;
  }

  /**
   * A diagnostics report of this pool: `diagnose(this, options)` (one atomic snapshot plus bounded
   * advisory scans; read-only).
   */
  inspect(options: DiagnoseOptions = {}): Promise<PoolReport> {
    return diagnose(this, options);
  }
}
