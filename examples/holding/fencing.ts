import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';

/** A downstream store that remembers the highest fence it has accepted per resource. */
class FencedStore {
  readonly #highest = new Map<string, number>();
  readonly rows: string[] = [];

  write(resource: string, fence: number, row: string): void {
    const seen = this.#highest.get(resource) ?? 0;
    if (fence < seen) throw new Error(`stale holder: fence ${fence} < ${seen}`);
    this.#highest.set(resource, fence);
    this.rows.push(row);
  }
}

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const shards = new RedisAllocator(redis, 'holding-fencing');
await shards.assign(['shard-1']);
const store = new FencedStore();

// Worker A takes the shard, then pauses (GC, a stopped VM…) past its lease.
const a = await shards.malloc({ timeout: 0.5 });
assert.ok(a !== null);
await new Promise((resolve) => setTimeout(resolve, 700));

// Meanwhile the lease ended and worker B got the shard, with a higher fence.
const b = await shards.malloc({ timeout: 30 });
assert.ok(b !== null && b.key === a.key && b.fence > a.fence);
store.write(b.key, b.fence, 'written by B');

// A wakes up and writes: its signal already says the lease is gone, and the store refuses the
// stale fence even if A never looked.
assert.equal(a.signal.aborted, true);
assert.throws(() => store.write(a.key, a.fence, 'written by A'), /stale holder/);
assert.deepEqual(store.rows, ['written by B']);

await b.release();
await shards.clear();
await redis.quit();
