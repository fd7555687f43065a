/** The lock module: distributed (`RedisLock*`) and in-process (`MemoryLock*`) locks, one contract. */
export {
  BaseLock,
  type ConditionalCommand,
  type ConditionalOperator,
} from './conditional.js';
export { LockStatus } from './lock-status.js';
export { MemoryLock } from './memory-lock.js';
export { MemoryLockPool } from './memory-lock-pool.js';
export { RedisLock } from './redis-lock.js';
export { RedisLockPool } from './redis-lock-pool.js';
export type {
  ConditionalSetOptions,
  Lock,
  LockOptions,
  LockPool,
  LockPoolHealth,
  MemoryLockOptions,
  RedisLockOptions,
} from './types.js';
