/** `checkHealthOnce` and `checkHealth`: quarantine for lockDuration, skip held keys, bounded concurrency. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, type RedisAllocator, type RedisAllocatorObject } from '../../src/index.js';
import { sleep, testClient } from '../helpers/redis.js';
import { Probe, type ProbeOptions } from './fixtures/probe.js';
import { probePool } from './fixtures/probe-pool.js';
import { expectSound } from './helpers.js';

const redis = testClient();

function pool(keys: string[], options: { shared?: boolean } = {}) {
  return probePool(redis, 'check', keys, options);
}

function pttl(allocator: RedisAllocator<Probe>, key: string) {
  return redis.pttl(allocator.redisKeys.lockPrefix + key);
}

async function malloc(allocator: RedisAllocator<Probe>, options: ProbeOptions = {}) {
  const probe = new Probe(options);
  const lease = await allocator.malloc({ obj: probe });
  expect(lease).not.toBeNull();
  return { probe, lease: lease as RedisAllocatorObject<Probe> };
}

describe('checkHealthOnce', () => {
  it('opens, checks and closes the object; a healthy lease stays held', async () => {
    const { policy, allocator } = await pool(['a']);
    const { probe, lease } = await malloc(allocator);
    expect(await policy.checkHealthOnce(lease, 60)).toBe(true);
    expect(probe.calls).toEqual(['setConfig:a', 'open:a', 'isHealthy:a', 'close:a']);
    expect(await allocator.lockValue('a')).toBe(lease.token);
  });

  it('quarantines an unhealthy key for the duration', async () => {
    const { policy, allocator } = await pool(['a']);
    const { lease } = await malloc(allocator, { health: () => false });
    expect(await policy.checkHealthOnce(lease, 60)).toBe(false);
    expect(await pttl(allocator, 'a')).toBeGreaterThan(50_000);
    expect(await lease.release()).toBe(false);
  });

  it('quarantines the key, closes the object and rethrows when the check throws', async () => {
    const { policy, allocator } = await pool(['a']);
    const { probe, lease } = await malloc(allocator, {
      health: () => {
        throw new Error('probe crashed');
      },
    });
    await expect(policy.checkHealthOnce(lease, 60)).rejects.toThrow('probe crashed');
    expect(probe.calls.at(-1)).toBe('close:a');
    expect(await pttl(allocator, 'a')).toBeGreaterThan(50_000);
  });

  it('ends the quarantine of a healthy shared-mode key', async () => {
    const { policy, allocator } = await pool(['a', 'b'], { shared: true });
    const { lease } = await malloc(allocator);
    await allocator.update('a', { value: 'quarantine', timeout: 60 });
    expect(await policy.checkHealthOnce(lease, 60)).toBe(true);
    expect(await allocator.isLocked('a')).toBe(false);
  });
});

describe('checkHealth', () => {
  it('frees healthy keys and quarantines unhealthy ones for lockDuration (F13)', async () => {
    const { policy, allocator } = await pool(['a', 'b', 'c', 'd']);
    const objFn = () => new Probe({ health: (key) => key === 'a' || key === 'c' });
    const result = await policy.checkHealth(allocator, { lockDuration: 1, objFn });
    expect(result).toEqual({ healthy: 2, unhealthy: 2, skipped: 0 });
    expect((await allocator.getFreeList()).sort()).toEqual(['a', 'c']);
    const quarantine = await pttl(allocator, 'b');
    expect(quarantine).toBeGreaterThan(0);
    expect(quarantine).toBeLessThanOrEqual(1000);
    await sleep(1.15);
    await allocator.gc(10);
    expect((await allocator.getFreeList()).sort()).toEqual(['a', 'b', 'c', 'd']);
    await expectSound(allocator);
  });

  it('skips keys held by others and leaves their leases alone', async () => {
    const { policy, allocator } = await pool(['a', 'b']);
    const held = await allocator.acquireLease({ timeout: 60 });
    const checked: string[] = [];
    const objFn = () => new Probe({ health: () => false, journal: checked });
    const result = await policy.checkHealth(allocator, { lockDuration: 60, objFn });
    expect(result).toEqual({ healthy: 0, unhealthy: 1, skipped: 1 });
    expect(checked).not.toContain('isHealthy:a');
    expect(await allocator.lockValue('a')).toBe(held?.token);
    expect(await pttl(allocator, 'a')).toBeLessThanOrEqual(60_000);
  });

  it('never has more than `concurrency` checks in flight', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const { policy, allocator } = await pool(keys);
    let inFlight = 0;
    let maxInFlight = 0;
    const health = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(0.1);
      inFlight--;
      return true;
    };
    const result = await policy.checkHealth(allocator, {
      concurrency: 3,
      objFn: () => new Probe({ health }),
    });
    expect(result).toEqual({ healthy: 12, unhealthy: 0, skipped: 0 });
    expect(maxInFlight).toBe(3);
  });

  it('counts a throwing check as unhealthy and goes on with the others', async () => {
    const { policy, allocator } = await pool(['a', 'b', 'c']);
    const health = (key: string) => {
      if (key === 'b') throw new Error('probe crashed');
      return true;
    };
    const result = await policy.checkHealth(allocator, {
      lockDuration: 60,
      objFn: () => new Probe({ health }),
    });
    expect(result).toEqual({ healthy: 2, unhealthy: 1, skipped: 0 });
    expect(await allocator.isLocked('b')).toBe(true);
  });

  it('configures each object with its key and the params of paramsFn', async () => {
    const { policy, allocator } = await pool(['a', 'b']);
    const probes: Probe[] = [];
    await policy.checkHealth(allocator, {
      objFn: () => {
        const probe = new Probe();
        probes.push(probe);
        return probe;
      },
      paramsFn: (key) => ({ tag: `tag-${key}` }),
    });
    const configured = probes.map((probe) => [probe.key, probe.params?.tag]).sort();
    expect(configured).toEqual([
      ['a', 'tag-a'],
      ['b', 'tag-b'],
    ]);
  });

  it('without objFn treats every free key as healthy and leaves the pool as it was', async () => {
    const { policy, allocator } = await pool(['a', 'b']);
    expect(await policy.checkHealth(allocator)).toEqual({ healthy: 2, unhealthy: 0, skipped: 0 });
    expect((await allocator.getFreeList()).sort()).toEqual(['a', 'b']);
    await expectSound(allocator);
  });

  it('in shared mode returns healthy keys to the free list and quarantines unhealthy ones', async () => {
    const { policy, allocator } = await pool(['a', 'b'], { shared: true });
    const objFn = () => new Probe({ health: (key) => key === 'a' });
    expect(await policy.checkHealth(allocator, { lockDuration: 60, objFn })).toEqual({
      healthy: 1,
      unhealthy: 1,
      skipped: 0,
    });
    expect(await allocator.getFreeList()).toEqual(['a']);
    expect(await allocator.mallocKey()).toBe('a');
    expect(await allocator.mallocKey()).toBe('a');
    await expectSound(allocator);
  });

  it('rejects a concurrency that is not a positive integer', async () => {
    const { policy, allocator } = await pool(['a']);
    await expect(policy.checkHealth(allocator, { concurrency: 0 })).rejects.toThrow(InvalidArgumentError);
  });
});
