import assert from 'node:assert/strict';
import { Redis } from 'ioredis'; // ioredis 5 or 6; `Cluster` works the same way
import { RedisAllocator } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const gpus = new RedisAllocator(redis, 'clients-ioredis');
await gpus.assign(['gpu-0', 'gpu-1']);

const lease = await gpus.malloc({ timeout: 30 });
assert.equal(lease?.key, 'gpu-0');
await lease?.release();

await gpus.clear();
await redis.quit();
