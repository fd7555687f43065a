import { expect } from 'vitest';
import { checkInvariants, type RedisAllocatorCore, takeSnapshot } from '../../src/index.js';
import { rawClient } from '../helpers/redis.js';

/** Asserts INV-1…INV-4 on an atomic snapshot of the allocator's pool. */
export async function expectSound(allocator: RedisAllocatorCore): Promise<void> {
  const snapshot = await takeSnapshot(allocator);
  expect(checkInvariants(snapshot, { shared: allocator.shared })).toEqual([]);
}

/** Raw pool contents: hash, pointers and the lock value of every member. */
export async function rawPool(allocator: RedisAllocatorCore) {
  const redis = rawClient(allocator);
  const { pool, head, tail, lockPrefix } = allocator.redisKeys;
  const entries = await redis.hgetall(pool);
  const locks: Record<string, string | null> = {};
  for (const key of Object.keys(entries)) locks[key] = await redis.get(lockPrefix + key);
  return { entries, head: await redis.get(head), tail: await redis.get(tail), locks };
}

/** Expiry field of an entry. */
export async function entryExpiry(allocator: RedisAllocatorCore, key: string): Promise<string | undefined> {
  const value = await rawClient(allocator).hget(allocator.redisKeys.pool, key);
  return value?.split('||')[2];
}
