export {
  type Allocatable,
  type ParamsOf,
  RedisAllocatableClass,
} from './allocator/allocatable.js';
export {
  type LeaseTiming,
  RedisAllocatorObject,
  type RefreshOptions,
  type RefreshUntilHealthyOptions,
} from './allocator/allocator-object.js';
export type { KeepAliveOptions } from './allocator/hold-options.js';
export {
  COOLDOWN_LOCK_VALUE,
  describeLock,
  type LockDescription,
  processHolder,
  QUARANTINE_LOCK_VALUE,
} from './allocator/holder.js';
export { consoleLogger, type Logger, type LogMeta, silentLogger } from './allocator/logger.js';
export {
  type DefaultPolicyOptions,
  DefaultRedisAllocatorPolicy,
  type RefreshPoolOptions,
} from './allocator/policy/default-policy.js';
export {
  type CheckHealthOptions,
  type HealthCheckResult,
  type MallocOptions,
  type PolicyOptions,
  RedisAllocatorPolicy,
} from './allocator/policy/policy.js';
export type { RedisAllocatorOptions } from './allocator/redis-allocator.js';
export { RedisAllocator } from './allocator/redis-allocator.js';
export { RedisAllocatorCore, type RenewOutcome } from './allocator/redis-allocator-core.js';
export {
  defaultWorkerId,
  RedisThreadHealthCheckPool,
  type ThreadHealth,
  type ThreadHealthCheckPoolOptions,
} from './allocator/thread-health-pool.js';
export type {
  AcquireLeaseOptions,
  AllocatorCoreOptions,
  FreeOptions,
  Lease,
  LeaseRef,
  LifetimeOptions,
  MallocKeyOptions,
  ReleaseOptions,
} from './allocator/types.js';
export { RedisAllocatorUpdater } from './allocator/updater.js';
export type { LeaseWork, UsingOptions } from './allocator/using.js';
export type { WaitOptions } from './allocator/waiting/options.js';
export type {
  ClientFamily,
  DedicatedConnection,
  RedisArg,
  RedisClient,
  RedisConnection,
  RedisReply,
  SendOptions,
} from './client/index.js';
export { DEFAULTS } from './defaults.js';
export {
  checkInvariants,
  type InvariantId,
  type InvariantOptions,
  reclaimableKeys,
  type Violation,
} from './diagnostics/invariants.js';
export type { CommandStat, SlowCommand } from './diagnostics/redis-access.js';
export {
  AUTO_CHUNK,
  DIAGNOSE_DEFAULTS,
  type DiagnoseOptions,
  type DiagnoseTarget,
  diagnose,
} from './diagnostics/report.js';
export type * from './diagnostics/report-types.js';
export {
  type ChunkedSnapshot,
  decodeEntry,
  isEntryExpired,
  type PoolEntry,
  type PoolSnapshot,
  type SnapshotOptions,
  type SnapshotTarget,
  takeChunkedSnapshot,
  takeSnapshot,
  type WaitingSnapshot,
} from './diagnostics/snapshot.js';
export type { DurabilityOptions } from './durability.js';
export {
  AllocatorClosedError,
  ClientNotReadyError,
  InvalidArgumentError,
  InvalidKeyError,
  InvalidTimeoutError,
  type LeaseLossReason,
  LeaseLostError,
  NoHealthyResourceError,
  NoResourceError,
  NotAPoolError,
  NotReplicatedError,
  OperationTimeoutError,
  PoolCorruptionError,
  RedisAllocatorError,
  RedisUnavailableError,
} from './errors.js';
export type { AllocatorKeys } from './keys.js';
export { ALLOCATED, allocatorKeys, MAX_KEY_LENGTH } from './keys.js';
export * from './lock/index.js';
export { METRIC_NAMES, type MeterLike } from './metrics/open-telemetry.js';
