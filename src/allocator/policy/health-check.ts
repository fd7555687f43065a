/** `checkHealth`: lease each pool member in turn and check it, with a bounded number in flight. */
import { DEFAULTS } from '../../defaults.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Allocatable } from '../allocatable.js';
import { RedisAllocatorObject } from '../allocator-object.js';
import type { RedisAllocator } from '../redis-allocator.js';
import type { CheckHealthOptions, HealthCheckResult, RedisAllocatorPolicy } from './policy.js';

export async function checkPoolHealth<U extends Allocatable>(
  policy: RedisAllocatorPolicy,
  allocator: RedisAllocator<U>,
  options: CheckHealthOptions<U>,
): Promise<HealthCheckResult> {
  const lockDuration = options.lockDuration ?? DEFAULTS.quarantine;
  const concurrency = options.concurrency ?? DEFAULTS.healthCheckConcurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError(`concurrency must be a positive integer, got ${String(concurrency)}`);
  }
  const result: HealthCheckResult = { healthy: 0, unhealthy: 0, skipped: 0 };
  // One HSCAN stream shared by every worker (an async generator queues concurrent next() calls);
  // HSCAN may repeat a member, so each key is checked once.
  const members = allocator[Symbol.asyncIterator]();
  const seen = new Set<string>();

  const checkKey = async (key: string): Promise<void> => {
    const lease = await allocator.acquireKey(key, { timeout: lockDuration });
    if (lease === null) {
      result.skipped++;
      return;
    }
    let obj: RedisAllocatorObject<U>;
    try {
      obj = new RedisAllocatorObject(allocator, lease, options.objFn?.(key), options.paramsFn?.(key));
    } catch (error) {
      // The key stays leased for lockDuration: that lease is its quarantine.
      policy.logger.warn('building the object to health-check threw; quarantining the key', { key, error });
      result.unhealthy++;
      return;
    }
    let healthy = false;
    try {
      healthy = await policy.checkHealthOnce(obj, lockDuration);
    } catch {
      // checkHealthOnce has logged it and quarantined the key.
    }
    if (healthy) {
      await allocator.free(obj);
      result.healthy++;
    } else {
      result.unhealthy++;
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const next = await members.next();
      if (next.done === true) return;
      if (seen.has(next.value)) continue;
      seen.add(next.value);
      await checkKey(next.value);
    }
  };

  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}
