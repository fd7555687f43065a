import assert from 'node:assert/strict';
import Valkey from 'iovalkey';
import { RedisAllocator } from 'redis-allocator';

const valkey = new Valkey(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const gpus = new RedisAllocator(valkey, 'clients-iovalkey');
await gpus.assign(['gpu-0', 'gpu-1']);

const lease = await gpus.malloc({ timeout: 30 });
assert.equal(lease?.key, 'gpu-0');
await lease?.release();

await gpus.clear();
await valkey.quit();
