import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const proxies = new RedisAllocator(redis, 'seeing-proxies');
await proxies.assign(['10.0.0.1:3128', '10.0.0.2:3128', '10.0.0.3:3128']);
const lease = await proxies.acquireLease({ timeout: 60, name: 'crawler-1' });
assert.ok(lease !== null);

const report = await proxies.inspect(); // one atomic snapshot + bounded scans; writes nothing
assert.equal(report.health, 'healthy');
assert.deepEqual(
  { total: report.pool.total, free: report.pool.free, held: report.pool.held },
  { total: 3, free: 2, held: 1 },
);
// Who holds what: the lease's key, its holder (the lock's owner token), its fence, the seconds left.
assert.equal(report.leases.samples[0]?.key, '10.0.0.1:3128');
assert.equal(report.leases.samples[0]?.holder, lease.token);
assert.equal(report.leases.samples[0]?.fence, lease.fence);
assert.ok(report.leases.samples[0]!.secondsLeft! <= 60);
assert.equal(report.bindings.total, 1); // crawler-1 → 10.0.0.1:3128, not stale: its holder uses it

// A lock on a key that is not in the pool: an orphan, so the pool is degraded (not corrupt).
await proxies.lock('10.0.0.9:3128', { timeout: 60 });
const next = await proxies.inspect({ previous: report });
assert.equal(next.health, 'degraded');
assert.deepEqual(
  next.recommendations.map((r) => r.code),
  ['orphan-locks'],
);
assert.ok(next.pressure !== null && next.pressure.scriptCallsPerSecond >= 0); // rates since `report`

await proxies.unlock('10.0.0.9:3128');
await proxies.releaseLease(lease);
await proxies.unbindSoftBind('crawler-1');
await proxies.clear();
await redis.quit();
