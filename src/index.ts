export type { RedisClient } from './client.js';
export { DEFAULTS } from './defaults.js';
export {
  InvalidArgumentError,
  InvalidKeyError,
  InvalidTimeoutError,
  NoHealthyResourceError,
  PoolCorruptionError,
  RedisAllocatorError,
} from './errors.js';
