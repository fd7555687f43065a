import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
{
  // `await using` closes the allocator at the end of the block: waits still in progress end and
  // its one blocking connection closes (it also closes by itself after a moment without waiters).
  await using proxies = new RedisAllocator(redis, 'waiting-proxies');
  await proxies.assign(['10.0.0.1:3128', '10.0.0.2:3128']);

  // Six crawl tasks, two proxies: the tasks that find no free proxy wait, served in arrival
  // order across every process of the fleet, without polling Redis.
  const served: string[] = [];
  const crawl = async () => {
    await using lease = await proxies.malloc({ timeout: 60, wait: 30 });
    assert.ok(lease !== null, 'a proxy within 30 s');
    served.push(lease.key);
    await new Promise((resolve) => setTimeout(resolve, 20)); // use the proxy
  };
  await Promise.all(Array.from({ length: 6 }, crawl));
  assert.equal(served.length, 6);

  // Both proxies busy from here on.
  const first = await proxies.malloc({ timeout: 60 });
  const second = await proxies.malloc({ timeout: 60 });

  // `wait` running out answers null; an aborted signal rejects with its reason. Either way the
  // waiter leaves nothing behind in Redis.
  assert.equal(await proxies.malloc({ wait: 0.2 }), null);
  const controller = new AbortController();
  const cancelled = proxies.malloc({ wait: Number.POSITIVE_INFINITY, signal: controller.signal });
  controller.abort(new Error('shutting down'));
  await assert.rejects(cancelled, /shutting down/);
  assert.equal(await proxies.queueLength(), 0);

  // A higher priority is served first, whatever the arrival order.
  const batchJob = proxies.mallocKey({ wait: 10, priority: 0 });
  while ((await proxies.queueLength()) < 1) await new Promise((resolve) => setTimeout(resolve, 5));
  const userRequest = proxies.mallocKey({ wait: 10, priority: 10 });
  while ((await proxies.queueLength()) < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  await first?.release(); // handed straight to the first waiter, never through the free list
  assert.equal(await userRequest, '10.0.0.1:3128');
  await second?.release();
  assert.equal(await batchJob, '10.0.0.2:3128');

  await proxies.clear();
}
await redis.quit();
