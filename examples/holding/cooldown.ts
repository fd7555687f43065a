import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { describeLock, RedisAllocator } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const apiKeys = new RedisAllocator(redis, 'holding-cooldown');
await apiKeys.assign(['key-A', 'key-B']);

// key-A hit a rate limit: give it back with a 1 s rest. It stays out of circulation meanwhile
// and returns by itself (no timer in this process: the pool's deadline index brings it back).
const limited = await apiKeys.malloc({ timeout: 30 });
assert.equal(limited?.key, 'key-A');
await limited?.release({ cooldown: 1 });
assert.deepEqual(await apiKeys.getFreeList(), ['key-B']);

// Diagnostics tell a resting key from a held one by its lock value.
const lockValue = await redis.get(`${apiKeys.redisKeys.lockPrefix}key-A`);
assert.deepEqual(describeLock(lockValue ?? ''), { state: 'cooling', holder: null, fence: null });

await new Promise((resolve) => setTimeout(resolve, 1200));
assert.equal(await apiKeys.mallocKey({ timeout: 30 }), 'key-B');
assert.equal(await apiKeys.mallocKey({ timeout: 30 }), 'key-A'); // rested, back in the pool

await apiKeys.clear();
await redis.quit();
