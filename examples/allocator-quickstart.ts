import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const proxies = new RedisAllocator(redis, 'quickstart-proxies');
await proxies.assign(['10.0.0.1:3128', '10.0.0.2:3128', '10.0.0.3:3128']);

{
  // A 60 s lease: nobody else gets this proxy until we release it or the lease runs out
  // (a crashed process's lease ends by itself, and GC puts the proxy back).
  await using lease = await proxies.malloc({ timeout: 60 });
  assert.ok(lease !== null);
  assert.equal(lease.key, '10.0.0.1:3128'); // FIFO: the longest-free proxy first

  assert.equal(await lease.update(60), true); // renew while working; false = the lease was lost
} // `await using` released it here

const lease = await proxies.malloc({ timeout: 60 });
assert.equal(lease?.key, '10.0.0.2:3128');
assert.equal(await lease?.release(), true); // explicit release: token-checked and idempotent
assert.equal(await lease?.release(), false);

assert.deepEqual(await proxies.getFreeList(), ['10.0.0.3:3128', '10.0.0.1:3128', '10.0.0.2:3128']);
await proxies.clear();
await redis.quit();
