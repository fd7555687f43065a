import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { NoResourceError, RedisAllocator } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const apiKeys = new RedisAllocator(redis, 'holding-using');
await apiKeys.assign(['key-A']);

// malloc, keep alive, run, always release — and hand the work a signal that aborts the moment
// the lease is lost (or the caller's own signal aborts).
async function fetchWith(key: string, signal: AbortSignal): Promise<string> {
  signal.throwIfAborted(); // real code passes `signal` to fetch(), a DB driver, …
  return `report fetched with ${key}`;
}
const report = await apiKeys.using({ timeout: 30 }, (lease, signal) => fetchWith(lease.key, signal));
assert.equal(report, 'report fetched with key-A');
assert.deepEqual(await apiKeys.getFreeList(), ['key-A']); // released

// Released even when the work throws; the error reaches the caller.
await assert.rejects(
  apiKeys.using({ timeout: 30 }, async () => {
    throw new Error('upstream 500');
  }),
  /upstream 500/,
);
assert.deepEqual(await apiKeys.getFreeList(), ['key-A']);

// No key free: a typed error instead of a null to forget to check.
const held = await apiKeys.malloc({ timeout: 30 });
await assert.rejects(
  apiKeys.using({ timeout: 30 }, async () => 'never'),
  NoResourceError,
);
await held?.release();

await apiKeys.clear();
await redis.quit();
