import assert from 'node:assert/strict';
import { createClient } from 'redis'; // node-redis 5 or 6; createCluster() works the same way
import { RedisAllocator } from 'redis-allocator';

// Connect before the first call (an unconnected client gets ClientNotReadyError, never a hang).
// RESP3 (`createClient({ RESP: 3 })`) works as well.
const redis = await createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }).connect();
const gpus = new RedisAllocator(redis, 'clients-node-redis');
await gpus.assign(['gpu-0', 'gpu-1']);

const lease = await gpus.malloc({ timeout: 30 });
assert.equal(lease?.key, 'gpu-0');
await lease?.release();

await gpus.clear();
await redis.close();
