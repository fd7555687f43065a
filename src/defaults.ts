/**
 * Every default of the public API, in one place (seconds unless the name says otherwise).
 * These are the spec's defaults (Python redis-allocator v0.7).
 */
export const DEFAULTS = {
  /** Comparison tolerance of the conditional lock operations. */
  eps: 1e-6,
  /** `RedisLock` / `MemoryLock` key suffix. */
  lockSuffix: 'lock',
  /** `RedisLockPool` / `MemoryLockPool` key suffix. */
  lockPoolSuffix: 'lock-pool',
  /** Lock value written by `update`, `lock`, `rlock`. */
  lockValue: '1',
  /** Lock TTL of `update`, `lock`, `rlock`, and the threshold of `keyStatus`. */
  lockTimeout: 120,
  /** `RedisAllocator` key suffix. */
  allocatorSuffix: 'allocator',
  /** Lease TTL of `mallocKey` / `malloc` / `RedisAllocatorObject.update`. */
  leaseTimeout: 120,
  /** Soft-binding TTL of `mallocKey` / `malloc` / `updateSoftBind`. */
  bindingTimeout: 3600,
  /** Pool-entry lifetime of `extend` / `assign`: never expires. */
  entryLifetime: -1,
  /** Entries visited by one `gc()` call. */
  gcCount: 10,
  /** Quarantine of `setUnhealthy` and `checkHealth`. */
  quarantine: 3600,
  /** `DefaultRedisAllocatorPolicy`: GC step size folded into each `malloc`. */
  policyGcCount: 5,
  /**
   * `DefaultRedisAllocatorPolicy`: seconds between folded GC steps across the fleet (a gate key);
   * a malloc that finds no free key always runs one. 0 = a step in every malloc, as upstream.
   */
  policyGcInterval: 0.1,
  /** `DefaultRedisAllocatorPolicy`: seconds between fleet-wide pool refreshes. */
  updateInterval: 300,
  /** `DefaultRedisAllocatorPolicy`: lifetime of keys added by the updater (-1 = never expire). */
  expiryDuration: -1,
  /** `checkHealth`: resources checked at once. */
  healthCheckConcurrency: 8,
  /** `refreshUntilHealthy`: attempts before giving up. */
  maxRefreshAttempts: 10,
  /** Seconds between an allocator instance's drain steps while it has waiters. */
  drainInterval: 1,
  /**
   * Allocator and lock option `operationTimeout`: seconds after which a call whose Redis reply has
   * not come rejects with `OperationTimeoutError` (not in the spec; DESIGN.md §14).
   */
  operationTimeout: 5,
  /** Keep-alive renews a lease every `timeout × renewFraction` seconds unless `renewEvery` is given. */
  renewFraction: 1 / 3,
  /**
   * Taken off a lease's local deadline (seconds): `fixed + fraction × timeout`, at most half the
   * timeout. Covers a late timer and clock-rate drift between this host and Redis.
   */
  leaseSafetyMargin: { fixed: 0.05, fraction: 0.02 },
  /** `RedisThreadHealthCheckPool` key suffix. */
  threadHealthSuffix: 'thread-health-check-pool',
} as const;
