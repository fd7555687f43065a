/** `/metrics` waiter gauges: a priority that empties disappears instead of keeping its last count. */
import { describe, expect, it } from 'vitest';
import { PoolMetrics } from '../../src/cli/dashboard/prometheus.js';
import { diagnose, RedisAllocatorCore } from '../../src/index.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';

const redis = testClient();

describe('Prometheus waiter gauges', () => {
  it('follow the queue per priority across reports', async () => {
    const pool = new RedisAllocatorCore(redis, uniquePrefix('prom-wait'));
    await pool.extend(['a']);
    const { waiters, tickets } = pool.redisKeys;
    // Ticket entries (pool.lua handOff): the queue member and the ticket's data are one string.
    const gone1 = '000000000000001|gone:1|gone|tok|60000|0|1|';
    const gone2 = '000000000000002|gone:2|gone|tok2|60000|0|1|';
    await redis.zadd(waiters, -3, gone1);
    await redis.hset(tickets, 'gone:1', gone1);
    await redis.zadd(waiters, 0, gone2);
    await redis.hset(tickets, 'gone:2', gone2);
    const metrics = new PoolMetrics();
    const poolKey = pool.redisKeys.pool;
    const first = await diagnose(pool);
    metrics.update([{ poolKey, report: first }]);
    let text = await metrics.registry.metrics();
    expect(text).toContain(`redis_allocator_waiters{pool="${poolKey}",priority="3"} 1`);
    expect(text).toContain(`redis_allocator_waiters{pool="${poolKey}",priority="0"} 1`);
    expect(text).toContain(`redis_allocator_waiters{pool="${poolKey}",priority="all"} 2`);

    await redis.zrem(waiters, gone1);
    await redis.hdel(tickets, 'gone:1');
    metrics.update([{ poolKey, report: await diagnose(pool, { previous: first }) }]);
    text = await metrics.registry.metrics();
    expect(text).not.toContain('priority="3"');
    expect(text).toContain(`redis_allocator_waiters{pool="${poolKey}",priority="0"} 1`);
    expect(text).toContain(`redis_allocator_waiters{pool="${poolKey}",priority="all"} 1`);
    expect(text).toMatch(/redis_allocator_oldest_wait_seconds\{pool="[^"]+"\} [\d.e-]+/);
  });
});
