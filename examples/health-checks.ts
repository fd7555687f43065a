import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisAllocatableClass, RedisAllocator } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

class ProxyEndpoint extends RedisAllocatableClass {
  address = '';
  setConfig(key: string): void {
    this.address = key;
  }
  override async isHealthy(): Promise<boolean> {
    return !this.address.startsWith('dead'); // e.g. an HTTP probe through the proxy
  }
}

const allocator = new RedisAllocator<ProxyEndpoint>(redis, 'quickstart-health');
await allocator.assign(['ok-1', 'dead-1', 'ok-2']);

// Check every free resource, 8 at a time; unhealthy ones are quarantined for lockDuration
// seconds (GC returns them afterwards); resources other processes hold are skipped.
const result = await allocator.policy.checkHealth(allocator, {
  lockDuration: 600,
  concurrency: 8,
  objFn: () => new ProxyEndpoint(),
});
assert.deepEqual(result, { healthy: 2, unhealthy: 1, skipped: 0 });
assert.deepEqual((await allocator.getFreeList()).sort(), ['ok-1', 'ok-2']);

// A holder that finds its resource broken quarantines it and moves on to a healthy one.
const lease = await allocator.malloc({ obj: new ProxyEndpoint() });
assert.ok(lease !== null);
await lease.setUnhealthy(600); // nobody gets this key for 10 minutes
assert.equal(await allocator.isLocked(lease.key), true);
await lease.release(); // does not end the quarantine

await allocator.clear();
await redis.quit();
