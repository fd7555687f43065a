/**
 * Background pool refresh of `DefaultRedisAllocatorPolicy`: at most once per `updateInterval`
 * across processes (fleet lock), never blocking or failing `malloc`, retried after a failure.
 */
import { describe, expect, it } from 'vitest';
import { DefaultRedisAllocatorPolicy, RedisAllocator, silentLogger } from '../../src/index.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';
import { CallbackUpdater, recordingLogger } from './fixtures/updaters.js';

describe('background pool refresh', () => {
  it('runs at most once per interval across two allocators on two clients', async () => {
    const prefix = uniquePrefix('refresh');
    const fetchedAt: number[] = [];
    const updater = () =>
      new CallbackUpdater(async () => {
        fetchedAt.push(Date.now());
        return ['a', 'b'];
      });
    const instances = [testClient(), testClient()].map((client) => {
      const policy = new DefaultRedisAllocatorPolicy({
        updater: updater(),
        updateInterval: 1,
        logger: silentLogger,
      });
      return { policy, allocator: new RedisAllocator(client, prefix, { policy }) };
    });
    const started = Date.now();
    while (Date.now() - started < 2600) {
      for (const { allocator } of instances) await (await allocator.malloc())?.release();
      await sleep(0.02);
    }
    await Promise.all(instances.map(({ policy }) => policy.whenIdle()));
    // Refreshes near 0 s, 1 s and 2 s; never two within one interval (small margin for client timing).
    expect(fetchedAt.length).toBeGreaterThanOrEqual(2);
    expect(fetchedAt.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < fetchedAt.length; i++) {
      expect(fetchedAt[i]! - fetchedAt[i - 1]!).toBeGreaterThan(900);
    }
  });

  it('a throwing fetch neither breaks malloc nor stops the next refresh', async () => {
    const redis = testClient();
    let calls = 0;
    const updater = new CallbackUpdater(async () => {
      calls++;
      if (calls === 1) throw new Error('provider down');
      return ['fresh'];
    });
    const logger = recordingLogger();
    const policy = new DefaultRedisAllocatorPolicy({ updater, updateInterval: 0.5, logger });
    const allocator = new RedisAllocator(redis, uniquePrefix('refresh'), { policy });
    await allocator.extend(['seed']);
    const first = await allocator.malloc();
    expect(first?.key).toBe('seed');
    await policy.whenIdle();
    expect(logger.entries).toHaveLength(1);
    expect(logger.entries[0]?.meta?.error).toBeInstanceOf(Error);
    expect(await allocator.has('fresh')).toBe(false);
    await sleep(0.6);
    await first?.release();
    expect((await allocator.malloc())?.key).toBe('seed');
    await policy.whenIdle();
    expect(calls).toBe(2);
    // One updater param: the refresh replaces the pool (the held 'seed' leaves it).
    expect(await allocator.keys()).toEqual(['fresh']);
  });

  it('malloc does not wait for a slow fetch', async () => {
    const redis = testClient();
    let finishFetch: (keys: string[]) => void = () => {};
    const updater = new CallbackUpdater(
      () =>
        new Promise<string[]>((resolve) => {
          finishFetch = resolve;
        }),
    );
    const policy = new DefaultRedisAllocatorPolicy({ updater, logger: silentLogger });
    const allocator = new RedisAllocator(redis, uniquePrefix('refresh'), { policy });
    await allocator.extend(['a']);
    expect((await allocator.malloc())?.key).toBe('a');
    finishFetch(['b']);
    await policy.whenIdle();
    expect(await allocator.keys()).toEqual(['b']);
  });

  it('a second malloc within the interval starts no refresh', async () => {
    const redis = testClient();
    let calls = 0;
    const updater = new CallbackUpdater(async () => {
      calls++;
      return ['a', 'b', 'c'];
    });
    const policy = new DefaultRedisAllocatorPolicy({ updater, logger: silentLogger });
    const allocator = new RedisAllocator(redis, uniquePrefix('refresh'), { policy });
    await allocator.malloc();
    await policy.whenIdle();
    for (let i = 0; i < 3; i++) await allocator.malloc();
    await policy.whenIdle();
    expect(calls).toBe(1);
  });
});
