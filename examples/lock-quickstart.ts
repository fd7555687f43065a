import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { LockStatus, RedisLock } from 'redis-allocator';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const locks = new RedisLock(redis, 'quickstart');

// Only one process in the fleet gets `true`; the lock frees itself after 30 s if we crash.
if (await locks.lock('nightly-report', { value: 'worker-7', timeout: 30 })) {
  try {
    assert.equal(await locks.lockValue('nightly-report'), 'worker-7');
    assert.equal(await locks.keyStatus('nightly-report'), LockStatus.LOCKED);
    assert.equal(await locks.lock('nightly-report'), false); // a second taker loses
  } finally {
    await locks.unlock('nightly-report');
  }
}

// Compare-and-set on numbers: keep the highest version seen.
await locks.setgt('schema-version', 3); // missing key: the condition holds, value becomes 3
assert.equal(await locks.setgt('schema-version', 2), false); // 2 > 3 is false: unchanged
assert.equal(await locks.lockValue('schema-version'), '3');
await locks.unlock('schema-version');

await redis.quit();
