import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisAllocatableClass, RedisAllocator } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

// Soft binding: an object with a `name` gets the same resource back whenever it is free.
class Crawler extends RedisAllocatableClass<{ region: string }> {
  proxy = '';
  constructor(readonly crawlerName: string) {
    super();
  }
  setConfig(key: string, params: { region: string } | undefined): void {
    this.proxy = `${params?.region}:${key}`;
  }
  override get name(): string {
    return this.crawlerName;
  }
}

const exclusive = new RedisAllocator<Crawler>(redis, 'quickstart-bind');
await exclusive.assign(['p1', 'p2', 'p3']);
const crawler = new Crawler('crawler-eu');
const first = await exclusive.malloc({ obj: crawler, params: { region: 'eu' } });
assert.equal(first?.key, 'p1');
assert.equal(crawler.proxy, 'eu:p1'); // setConfig was called with the key and params
await first?.release();
await (await exclusive.malloc())?.release(); // someone else takes p2 meanwhile
const again = await exclusive.malloc({ obj: crawler });
assert.equal(again?.key, 'p1'); // the binding brings p1 back
await again?.release();

// Shared mode: no locks; every allocation rotates the list, so load spreads over all keys.
const shared = new RedisAllocator(redis, 'quickstart-shared', { shared: true });
await shared.assign(['k1', 'k2']);
const keys = [];
for (let i = 0; i < 4; i++) keys.push(await shared.mallocKey());
assert.deepEqual(keys, ['k1', 'k2', 'k1', 'k2']);

await exclusive.clear();
await exclusive.unbindSoftBind('crawler-eu');
await shared.clear();
await redis.quit();
