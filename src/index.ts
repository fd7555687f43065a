export { RedisAllocator } from './allocator/redis-allocator.js';
export type {
  AcquireLeaseOptions,
  AllocatorCoreOptions,
  FreeOptions,
  Lease,
  LifetimeOptions,
  MallocKeyOptions,
} from './allocator/redis-allocator-core.js';
export { RedisAllocatorCore } from './allocator/redis-allocator-core.js';
export type { RedisClient } from './client.js';
export { DEFAULTS } from './defaults.js';
export {
  checkInvariants,
  type InvariantId,
  type InvariantOptions,
  reclaimableKeys,
  type Violation,
} from './diagnostics/invariants.js';
export {
  decodeEntry,
  isEntryExpired,
  type PoolEntry,
  type PoolSnapshot,
  type SnapshotTarget,
  takeSnapshot,
} from './diagnostics/snapshot.js';
export {
  InvalidArgumentError,
  InvalidKeyError,
  InvalidTimeoutError,
  NoHealthyResourceError,
  PoolCorruptionError,
  RedisAllocatorError,
} from './errors.js';
export type { AllocatorKeys } from './keys.js';
export { ALLOCATED, allocatorKeys, MAX_KEY_LENGTH } from './keys.js';
