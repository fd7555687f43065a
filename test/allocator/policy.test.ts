/** `DefaultRedisAllocatorPolicy`: GC inside malloc, pool refresh from the updater, auto-close. */
import { describe, expect, it } from 'vitest';
import type { DefaultPolicyOptions } from '../../src/index.js';
import {
  DefaultRedisAllocatorPolicy,
  InvalidArgumentError,
  RedisAllocator,
  silentLogger,
} from '../../src/index.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';
import { Probe } from './fixtures/probe.js';
import { ListUpdater } from './fixtures/updaters.js';
import { expectSound } from './helpers.js';

const redis = testClient();

function allocatorWith(options: DefaultPolicyOptions = {}) {
  const policy = new DefaultRedisAllocatorPolicy({ logger: silentLogger, ...options });
  return { policy, allocator: new RedisAllocator<Probe>(redis, uniquePrefix('policy'), { policy }) };
}

describe('construction', () => {
  it('rejects a negative or fractional gcCount', () => {
    expect(() => new DefaultRedisAllocatorPolicy({ gcCount: -1 })).toThrow(InvalidArgumentError);
    expect(() => new DefaultRedisAllocatorPolicy({ gcCount: 1.5 })).toThrow(InvalidArgumentError);
  });

  it('rejects an updateInterval that is not a positive number of seconds', () => {
    expect(() => new DefaultRedisAllocatorPolicy({ updateInterval: 0 })).toThrow(InvalidArgumentError);
    expect(() => new DefaultRedisAllocatorPolicy({ updateInterval: Number.NaN })).toThrow();
  });

  it('is the default policy of an allocator', () => {
    const allocator = new RedisAllocator(redis, uniquePrefix('policy'));
    expect(allocator.policy).toBeInstanceOf(DefaultRedisAllocatorPolicy);
  });
});

describe('malloc', () => {
  it('runs a GC step inside the allocation, reclaiming an expired lease', async () => {
    const { allocator } = allocatorWith({ gcCount: 5 });
    await allocator.extend(['a', 'b']);
    await allocator.mallocKey({ timeout: 0.2 });
    await sleep(0.35);
    const lease = await allocator.malloc();
    expect(lease?.key).toBe('b');
    expect(await allocator.getFreeList()).toEqual(['a']);
    await expectSound(allocator);
  });

  it('with gcCount 0 runs no GC', async () => {
    const { allocator } = allocatorWith({ gcCount: 0 });
    await allocator.extend(['a', 'b']);
    await allocator.mallocKey({ timeout: 0.2 });
    await sleep(0.35);
    expect((await allocator.malloc())?.key).toBe('b');
    expect(await allocator.getFreeList()).toEqual([]);
  });
});

describe('refreshPool', () => {
  it('with a single-param updater makes the pool exactly the fetched keys, with expiryDuration', async () => {
    const updater = new ListUpdater({ only: ['x', 'y'] });
    const { policy, allocator } = allocatorWith({ updater, expiryDuration: 100 });
    await allocator.extend(['a', 'x']);
    await policy.refreshPool(allocator);
    expect((await allocator.keys()).sort()).toEqual(['x', 'y']);
    const [now] = await redis.time();
    const expiry = (await redis.hget(allocator.redisKeys.pool, 'y'))!.split('||')[2];
    expect(Number(expiry) - Number(now)).toBeGreaterThan(90);
  });

  it('with several params adds the keys of one param per call, round-robin', async () => {
    const updater = new ListUpdater({ p1: ['a'], p2: ['b'] });
    const { policy, allocator } = allocatorWith({ updater });
    await allocator.extend(['old']);
    await policy.refreshPool(allocator);
    expect((await allocator.keys()).sort()).toEqual(['a', 'old']);
    await policy.refreshPool(allocator);
    expect((await allocator.keys()).sort()).toEqual(['a', 'b', 'old']);
  });

  it('leaves the pool unchanged and warns when the updater returns no keys', async () => {
    const warnings: string[] = [];
    const updater = new ListUpdater({ only: [] });
    const policy = new DefaultRedisAllocatorPolicy({
      updater,
      logger: { warn: (message) => warnings.push(message), error: () => {} },
    });
    const allocator = new RedisAllocator(redis, uniquePrefix('policy'), { policy });
    await allocator.extend(['a']);
    await policy.refreshPool(allocator);
    expect(await allocator.keys()).toEqual(['a']);
    expect(warnings).toHaveLength(1);
  });

  it('does nothing without an updater', async () => {
    const { policy, allocator } = allocatorWith();
    await allocator.extend(['a']);
    await policy.refreshPool(allocator);
    await policy.refreshPoolAll(allocator);
    expect(await allocator.keys()).toEqual(['a']);
  });
});

describe('refreshPoolAll', () => {
  it('rebuilds the pool from every param and keeps live leases (F6)', async () => {
    const updater = new ListUpdater({ p1: ['a'], p2: ['d'] });
    const { policy, allocator } = allocatorWith({ updater });
    await allocator.extend(['a', 'b', 'c']);
    const held = await allocator.acquireLease(); // not malloc: that would start a refresh itself
    expect(held?.key).toBe('a');
    await policy.refreshPoolAll(allocator);
    expect((await allocator.keys()).sort()).toEqual(['a', 'd']);
    expect(updater.fetched).toEqual(['p1', 'p2']);
    expect(await allocator.lockValue('a')).toBe(held?.token);
    expect(await allocator.getFreeList()).toEqual(['d']);
    expect(await allocator.releaseLease(held!)).toBe(true);
    await expectSound(allocator);
  });
});

describe('autoClose', () => {
  async function reallocateSameKey(autoClose: boolean) {
    const { allocator } = allocatorWith({ autoClose });
    await allocator.extend(['a']);
    const first = new Probe({ uniqueId: 'p' });
    await allocator.malloc({ obj: first, timeout: 0.2 });
    await sleep(0.35);
    await allocator.malloc({ obj: new Probe({ uniqueId: 'p' }) });
    return first;
  }

  it('closes the object of a previous unreleased allocation with the same uniqueId', async () => {
    const first = await reallocateSameKey(true);
    expect(first.calls).toEqual(['setConfig:a', 'close:a']);
  });

  it('is off by default', async () => {
    const first = await reallocateSameKey(false);
    expect(first.calls).toEqual(['setConfig:a']);
  });

  it('does not close a released allocation again', async () => {
    const { allocator } = allocatorWith({ autoClose: true });
    await allocator.extend(['a']);
    const first = new Probe({ uniqueId: 'p' });
    await (await allocator.malloc({ obj: first }))?.release();
    await allocator.malloc({ obj: new Probe({ uniqueId: 'p' }) });
    expect(first.calls).toEqual(['setConfig:a', 'close:a']);
  });
});

describe('finalize', () => {
  it('closes the object of every live unreleased allocation', async () => {
    const { policy, allocator } = allocatorWith();
    await allocator.extend(['a', 'b', 'c']);
    const kept = new Probe();
    const released = new Probe();
    await allocator.malloc({ obj: kept });
    await (await allocator.malloc({ obj: released }))?.release();
    await policy.finalize();
    expect(kept.calls).toEqual(['setConfig:a', 'close:a']);
    expect(released.calls).toEqual(['setConfig:b', 'close:b']);
  });
});

describe('folded GC gate', () => {
  it('the default policy runs at most one folded GC step per gcInterval while keys are free', async () => {
    const redis = testClient();
    const allocator = new RedisAllocator(redis, uniquePrefix('policy-gate'), {
      policy: new DefaultRedisAllocatorPolicy({ gcInterval: 60 }),
    });
    await allocator.extend(['a', 'b', 'c', 'd']);
    const first = (await allocator.malloc())!; // opens the gate
    await allocator.unlock(first.key); // its lease ends: only GC can return it
    await allocator.malloc(); // gate closed, keys free: no GC step
    expect(await allocator.getFreeList()).toEqual(['c', 'd']);
  });
});
