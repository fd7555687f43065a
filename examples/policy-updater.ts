import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { DefaultRedisAllocatorPolicy, RedisAllocator, RedisAllocatorUpdater } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

// The updater is where the pool's keys come from (an API, a file, a database...).
class ProxyListUpdater extends RedisAllocatorUpdater<string> {
  async fetch(region: string): Promise<string[]> {
    return [`${region}-proxy-1`, `${region}-proxy-2`];
  }
}

const policy = new DefaultRedisAllocatorPolicy({
  updater: new ProxyListUpdater(['us']), // one param: the pool becomes exactly what it returns
  updateInterval: 300, // at most one refresh per 5 minutes across every process
  expiryDuration: 3600, // keys not seen again for an hour leave the pool
  gcCount: 5, // GC step folded into each malloc's single script call
});
const allocator = new RedisAllocator(redis, 'quickstart-policy', { policy });
await allocator.clear();

await allocator.malloc(); // the first malloc starts a refresh in the background...
await policy.whenIdle(); // ...which never delays or fails a malloc
assert.deepEqual((await allocator.keys()).sort(), ['us-proxy-1', 'us-proxy-2']);

const lease = await allocator.malloc({ timeout: 30 });
assert.ok(lease?.key.startsWith('us-proxy-'));
await lease?.release();

await allocator.clear();
await redis.del(allocator.redisKeys.policyLock);
await redis.quit();
