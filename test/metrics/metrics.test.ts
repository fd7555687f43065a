/**
 * Library metrics through a real OpenTelemetry SDK (`@opentelemetry/sdk-metrics`, a dev
 * dependency) with a reader the test collects from: names, values and attributes.
 */
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { METRIC_NAMES, RedisAllocator, RedisAllocatorCore } from '../../src/index.js';
import { meterHooks } from '../../src/metrics/open-telemetry.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';

const redis = testClient();

/** A reader the test pulls from (cumulative temporality). */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

let provider: MeterProvider | undefined;

afterEach(async () => {
  await provider?.shutdown();
  provider = undefined;
});

function setUp() {
  const reader = new TestReader();
  provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('redis-allocator-test');
  /** Every data point of metric `name`. */
  const points = async (name: string): Promise<DataPoint<unknown>[]> => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<unknown>[];
  };
  const total = async (name: string, outcome?: string) =>
    (await points(name))
      .filter((p) => outcome === undefined || p.attributes.outcome === outcome)
      .reduce((sum, p) => sum + (p.value as number), 0);
  return { meter, points, total };
}

describe('allocator metrics (OpenTelemetry)', () => {
  it('counts mallocs by outcome and records their latency', async () => {
    const { meter, points, total } = setUp();
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('metrics-malloc'), { meter });
    await allocator.extend(['a', 'b', 'c']);
    for (let i = 0; i < 4; i++) await allocator.mallocKey({ timeout: 60 });
    expect(await total(METRIC_NAMES.mallocs, 'acquired')).toBe(3);
    expect(await total(METRIC_NAMES.mallocs, 'empty')).toBe(1);
    // The latency histogram is time-sampled (at most one measurement per ms per pool).
    const latency = await points(METRIC_NAMES.mallocDuration);
    const acquired = latency.find((p) => p.attributes.outcome === 'acquired')!.value as Histogram;
    expect(acquired.count).toBeGreaterThanOrEqual(1);
    expect(acquired.count).toBeLessThanOrEqual(3);
    expect(acquired.sum).toBeGreaterThan(0);
    expect(acquired.sum).toBeLessThan(acquired.count * 5); // seconds, not milliseconds
  });

  it('a malloc that fails is counted as an error', async () => {
    const { meter, total } = setUp();
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('metrics-error'), { meter });
    // The free-list head is a hash instead of a string: the malloc script fails with WRONGTYPE.
    await redis.hset(allocator.redisKeys.head, 'x', '1');
    await redis.expire(allocator.redisKeys.head, 60);
    await expect(allocator.mallocKey()).rejects.toThrow();
    expect(await total(METRIC_NAMES.mallocs, 'error')).toBe(1);
  });

  it('records hold time on release; a release after the lease was lost counts as lost', async () => {
    const { meter, points, total } = setUp();
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('metrics-hold'), { meter });
    await allocator.extend(['a', 'b']);
    const held = (await allocator.acquireLease({ timeout: 60 }))!;
    await sleep(0.2);
    expect(await allocator.releaseLease(held)).toBe(true);
    const lost = (await allocator.acquireLease({ timeout: 60 }))!;
    await allocator.freeKeys([lost.key]); // an administrator frees it behind the holder's back
    expect(await allocator.releaseLease(lost)).toBe(false);
    expect(await total(METRIC_NAMES.releases, 'released')).toBe(1);
    expect(await total(METRIC_NAMES.releases, 'lost')).toBe(1);
    const hold = (await points(METRIC_NAMES.holdDuration)).find((p) => p.attributes.outcome === 'released')!
      .value as Histogram;
    expect(hold.count).toBe(1);
    expect(hold.sum).toBeGreaterThanOrEqual(0.15);
    expect(hold.sum).toBeLessThan(10);
  });

  it('counts renewals by outcome and GC reclaims', async () => {
    const { meter, total } = setUp();
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('metrics-renew'), { meter });
    await allocator.extend(['a', 'b']);
    const lease = (await allocator.acquireLease({ timeout: 60 }))!;
    expect(await allocator.renewLease(lease, 60)).toBe(true);
    await allocator.freeKeys([lease.key]);
    expect(await allocator.renewLease(lease, 60)).toBe(false);
    expect(await total(METRIC_NAMES.renewals, 'renewed')).toBe(1);
    expect(await total(METRIC_NAMES.renewals, 'lost')).toBe(1);
    await allocator.acquireLease({ timeout: 0.1 });
    await allocator.acquireLease({ timeout: 0.1 });
    await sleep(0.3);
    expect(await allocator.gc(10)).toBe(2);
    expect(await total(METRIC_NAMES.gcReclaimed)).toBe(2);
  });

  it('the policy malloc and object release are measured too', async () => {
    const { meter, total } = setUp();
    const allocator = new RedisAllocator(redis, uniquePrefix('metrics-policy'), { meter });
    await allocator.extend(['a']);
    const obj = (await allocator.malloc({ timeout: 60 }))!;
    await obj.release();
    expect(await total(METRIC_NAMES.mallocs, 'acquired')).toBe(1);
    expect(await total(METRIC_NAMES.releases, 'released')).toBe(1);
  });

  it('waiting mallocs: counted as mallocs; queued waits record their time, hand-offs are counted', async () => {
    const { meter, points, total } = setUp();
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('metrics-wait'), { meter });
    try {
      await allocator.extend(['a']);
      // Answered at once: a plain malloc, no wait recorded.
      const held = (await allocator.acquireLease({ timeout: 60, wait: 10 }))!;
      const waiting = allocator.acquireLease({ timeout: 60, wait: 10 });
      while ((await redis.zcard(allocator.redisKeys.waiters)) < 1) await sleep(0.005);
      await sleep(0.1);
      await allocator.releaseLease(held);
      const handed = (await waiting)!;
      expect(handed.key).toBe('a');
      // Nothing comes back this time: the wait runs out.
      expect(await allocator.acquireLease({ timeout: 60, wait: 0.2 })).toBeNull();
      expect(await total(METRIC_NAMES.mallocs, 'acquired')).toBe(2);
      expect(await total(METRIC_NAMES.mallocs, 'empty')).toBe(1);
      expect(await total(METRIC_NAMES.handOffs)).toBe(1);
      const waits = await points(METRIC_NAMES.waitDuration);
      const acquired = waits.find((p) => p.attributes.outcome === 'acquired')!.value as Histogram;
      const empty = waits.find((p) => p.attributes.outcome === 'empty')!.value as Histogram;
      expect(acquired.count).toBe(1);
      expect(acquired.sum).toBeGreaterThanOrEqual(0.08);
      expect(acquired.sum).toBeLessThan(10); // seconds
      expect(empty.count).toBe(1);
      expect(empty.sum).toBeGreaterThanOrEqual(0.15);
      await allocator.releaseLease(handed);
    } finally {
      await allocator.close();
    }
  });

  it('attributes are the pool identity and an outcome only, never a resource key', async () => {
    const { meter, points } = setUp();
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('metrics-attrs'), { meter });
    await allocator.extend(['secret-resource-1', 'secret-resource-2']);
    const lease = (await allocator.acquireLease({ timeout: 60 }))!;
    await allocator.renewLease(lease, 60);
    await allocator.releaseLease(lease);
    for (const name of Object.values(METRIC_NAMES)) {
      for (const point of await points(name)) {
        expect(Object.keys(point.attributes).sort()).toEqual(
          name === METRIC_NAMES.gcReclaimed || name === METRIC_NAMES.handOffs
            ? ['redis_allocator.mode', 'redis_allocator.pool']
            : ['outcome', 'redis_allocator.mode', 'redis_allocator.pool'],
        );
        expect(point.attributes['redis_allocator.pool']).toBe(allocator.redisKeys.pool);
        expect(JSON.stringify(point.attributes)).not.toContain('secret-resource');
      }
    }
  });

  it('without a meter nothing is recorded and nothing breaks', async () => {
    const { total } = setUp();
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('metrics-none'));
    await allocator.extend(['a']);
    const lease = (await allocator.acquireLease({ timeout: 60 }))!;
    expect(await allocator.releaseLease(lease)).toBe(true);
    expect(await total(METRIC_NAMES.mallocs)).toBe(0);
  });

  it('histograms take at most one measurement per sampleInterval; counters count every call', async () => {
    const { meter, points, total } = setUp();
    const every = meterHooks(meter, { pool: 'p-every', mode: 'exclusive' }, { sampleInterval: 0 });
    const sampled = meterHooks(meter, { pool: 'p-sampled', mode: 'exclusive' }, { sampleInterval: 60 });
    for (let i = 0; i < 5; i++) {
      every.mallocEnds({}, every.mallocBegins(), false);
      sampled.mallocEnds({}, sampled.mallocBegins(), false);
    }
    const histogram = async (pool: string) =>
      (
        (await points(METRIC_NAMES.mallocDuration)).find(
          (p) => p.attributes['redis_allocator.pool'] === pool,
        )!.value as Histogram
      ).count;
    expect(await histogram('p-every')).toBe(5);
    expect(await histogram('p-sampled')).toBe(1);
    expect(await total(METRIC_NAMES.mallocs, 'acquired')).toBe(10);
  });

  it('allocators of one pool on one meter share their instruments', () => {
    const { meter } = setUp();
    const a = meterHooks(meter, { pool: 'p', mode: 'exclusive' });
    expect(meterHooks(meter, { pool: 'p', mode: 'exclusive' })).toBe(a);
    expect(meterHooks(meter, { pool: 'q', mode: 'exclusive' })).not.toBe(a);
  });
});
