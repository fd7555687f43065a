import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { LeaseLostError, RedisAllocator } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const proxies = new RedisAllocator(redis, 'holding-keep-alive');
await proxies.assign(['10.0.0.1:3128']);

// A 3 s lease, renewed every second (a third of the timeout) for as long as we hold it, but for
// at most 60 s in all (maxHold), so a runaway holder cannot keep the proxy forever.
const lease = await proxies.malloc({ timeout: 3, keepAlive: true, maxHold: 60, holder: 'crawler-1' });
assert.ok(lease !== null);
await new Promise((resolve) => setTimeout(resolve, 4000));
assert.equal(lease.signal.aborted, false); // still ours after more than its timeout

// Someone else takes the key (here: its lock is overwritten in one command, as a stale process or
// an operator could). The next renewal finds another value in the lock: the signal aborts with a
// typed reason, and `lost` resolves.
await proxies.update(lease.key, { value: 'someone-else', timeout: 60 });
const lost = await lease.lost;
assert.ok(lost instanceof LeaseLostError);
assert.equal(lost.reason, 'taken');
assert.equal(lease.signal.reason, lost);

await proxies.freeKeys([lease.key]); // drop the other lock, so a re-run starts clean
await proxies.clear();
await proxies.close(); // stops this allocator's keep-alive timer and ends its waits (timers never hold the process anyway)
await redis.quit();
