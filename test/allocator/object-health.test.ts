/** `RedisAllocatorObject` health: setHealthy, setUnhealthy (quarantine), refresh, refreshUntilHealthy. */
import { describe, expect, it } from 'vitest';
import { NoHealthyResourceError, type RedisAllocator, type RedisAllocatorObject } from '../../src/index.js';
import { sleep, testClient } from '../helpers/redis.js';
import { Probe } from './fixtures/probe.js';
import { probePool } from './fixtures/probe-pool.js';
import { expectSound } from './helpers.js';

const redis = testClient();

async function pool(keys: string[], options: { shared?: boolean } = {}) {
  return (await probePool(redis, 'health', keys, options)).allocator;
}

function pttl(allocator: RedisAllocator<Probe>, key: string) {
  return redis.pttl(allocator.redisKeys.lockPrefix + key);
}

async function malloc(allocator: RedisAllocator<Probe>, obj?: Probe): Promise<RedisAllocatorObject<Probe>> {
  const lease = await allocator.malloc(obj ? { obj } : {});
  expect(lease).not.toBeNull();
  return lease!;
}

describe('setHealthy', () => {
  it('points a named object binding at its key', async () => {
    const allocator = await pool(['a', 'b']);
    const lease = await malloc(allocator, new Probe({ name: 'w' }));
    await allocator.unbindSoftBind('w');
    await lease.setHealthy(100);
    expect(await allocator.getSoftBind('w')).toBe('a');
    expect(await redis.pttl(`${allocator.redisKeys.bindPrefix}w`)).toBeGreaterThan(90_000);
  });

  it('ends a shared-mode quarantine of the key', async () => {
    const allocator = await pool(['a', 'b'], { shared: true });
    const lease = await malloc(allocator);
    await lease.setUnhealthy(60);
    await lease.setHealthy();
    expect(await allocator.isLocked('a')).toBe(false);
  });
});

describe('setUnhealthy', () => {
  it('turns an exclusive lease into a quarantine of the duration that release does not end', async () => {
    const allocator = await pool(['a', 'b']);
    const lease = await malloc(allocator);
    expect(await lease.setUnhealthy(60)).toBe(true);
    expect(await pttl(allocator, 'a')).toBeGreaterThan(50_000);
    expect(await lease.release()).toBe(false);
    expect(await allocator.lockValue('a')).toBe(lease.token);
    expect(await lease.update(60)).toBe(false);
  });

  it('returns the key to the free list once a one-second quarantine ends', async () => {
    const allocator = await pool(['a', 'b']);
    const lease = await malloc(allocator);
    await lease.setUnhealthy(1);
    await lease.release();
    expect(await allocator.getFreeList()).toEqual(['b']);
    await sleep(1.15);
    expect(await allocator.gc(10)).toBe(1);
    expect(await allocator.getFreeList()).toEqual(['b', 'a']);
    await expectSound(allocator);
  });

  it('drops a named object binding', async () => {
    const allocator = await pool(['a']);
    const lease = await malloc(allocator, new Probe({ name: 'w' }));
    expect(await allocator.getSoftBind('w')).toBe('a');
    await lease.setUnhealthy(60);
    expect(await allocator.getSoftBind('w')).toBeNull();
  });

  it('quarantines a lost lease again when nobody holds the key', async () => {
    const allocator = await pool(['a']);
    const lease = await malloc(allocator);
    await lease.update(0.2);
    await sleep(0.35);
    expect(await lease.setUnhealthy(60)).toBe(true);
    expect(await allocator.mallocKey()).toBeNull();
    await expectSound(allocator);
  });

  it('leaves the key alone when another holder has it now', async () => {
    const allocator = await pool(['a']);
    const stale = await malloc(allocator);
    await stale.update(0.2);
    await sleep(0.35);
    await allocator.gc(10);
    const current = await malloc(allocator);
    expect(await stale.setUnhealthy(60)).toBe(false);
    expect(await allocator.lockValue('a')).toBe(current.token);
  });

  it('quarantines a shared-mode key: malloc skips it until the duration ends', async () => {
    const allocator = await pool(['a', 'b'], { shared: true });
    const lease = await malloc(allocator);
    await lease.setUnhealthy(1);
    expect(await allocator.lockValue('a')).toBe('quarantine');
    const got = [await allocator.mallocKey(), await allocator.mallocKey(), await allocator.mallocKey()];
    expect(got).toEqual(['b', 'b', 'b']);
    await sleep(1.15);
    await allocator.gc(10);
    expect(await allocator.getFreeList()).toContain('a');
    await expectSound(allocator);
  });
});

describe('refresh', () => {
  it('moves the object to a new key, frees the old key and reconfigures the object', async () => {
    const allocator = await pool(['a', 'b']);
    const probe = new Probe();
    const lease = await malloc(allocator, probe);
    const oldToken = lease.token;
    expect(await lease.refresh()).toBe(true);
    expect(lease.key).toBe('b');
    expect(lease.token).not.toBe(oldToken);
    expect(await allocator.lockValue('b')).toBe(lease.token);
    expect(await allocator.getFreeList()).toEqual(['a']);
    expect(probe.calls).toEqual(['setConfig:a', 'close:a', 'setConfig:b', 'open:b']);
    await expectSound(allocator);
  });

  it('leaves the old key quarantined when it was marked unhealthy (F22)', async () => {
    const allocator = await pool(['a', 'b']);
    const lease = await malloc(allocator);
    const oldToken = lease.token;
    await lease.setUnhealthy(60);
    await lease.refresh();
    expect(lease.key).toBe('b');
    expect(await allocator.lockValue('a')).toBe(oldToken);
    expect(await allocator.getFreeList()).toEqual([]);
  });

  it('keeps the old key and reports false when no key is free', async () => {
    const allocator = await pool(['a']);
    const probe = new Probe();
    const lease = await malloc(allocator, probe);
    expect(await lease.refresh()).toBe(false);
    expect(lease.key).toBe('a');
    expect(await allocator.lockValue('a')).toBe(lease.token);
    expect(probe.calls).toEqual(['setConfig:a', 'close:a', 'open:a']);
  });

  it('re-points a named object binding at the new key', async () => {
    const allocator = await pool(['a', 'b']);
    const lease = await malloc(allocator, new Probe({ name: 'w' }));
    await lease.refresh();
    expect(await allocator.getSoftBind('w')).toBe('b');
  });

  it('makes a released object hold a lease again', async () => {
    const allocator = await pool(['a', 'b']);
    const lease = await malloc(allocator);
    await lease.release();
    await lease.refresh();
    expect(lease.released).toBe(false);
    expect(lease.key).toBe('b');
    expect(await lease.release()).toBe(true);
    expect(await allocator.getFreeList()).toEqual(['a', 'b']);
  });
});

describe('refreshUntilHealthy', () => {
  it('returns at once when the current resource is healthy', async () => {
    const allocator = await pool(['a', 'b']);
    const probe = new Probe();
    const lease = await malloc(allocator, probe);
    await lease.refreshUntilHealthy();
    expect(lease.key).toBe('a');
    expect(probe.calls).toEqual(['setConfig:a', 'isHealthy:a']);
  });

  it('quarantines unhealthy resources and stops at the first healthy one', async () => {
    const allocator = await pool(['a', 'b', 'c', 'd']);
    const lease = await malloc(allocator, new Probe({ health: (key) => key === 'c' }));
    await lease.refreshUntilHealthy({ lockDuration: 60 });
    expect(lease.key).toBe('c');
    expect(await pttl(allocator, 'a')).toBeGreaterThan(50_000);
    expect(await pttl(allocator, 'b')).toBeGreaterThan(50_000);
    expect(await allocator.getFreeList()).toEqual(['d']);
  });

  it('checks the object of the last refresh too (F22)', async () => {
    const allocator = await pool(['a', 'b']);
    const lease = await malloc(allocator, new Probe({ health: (key) => key === 'b' }));
    await lease.refreshUntilHealthy({ maxAttempts: 2, lockDuration: 60 });
    expect(lease.key).toBe('b');
  });

  it('throws NoHealthyResourceError after maxAttempts checks, each resource checked once', async () => {
    const allocator = await pool(['a', 'b', 'c']);
    const probe = new Probe({ health: () => false });
    const lease = await malloc(allocator, probe);
    await expect(lease.refreshUntilHealthy({ maxAttempts: 2, lockDuration: 60 })).rejects.toThrow(
      NoHealthyResourceError,
    );
    expect(probe.calls.filter((call) => call.startsWith('isHealthy'))).toEqual([
      'isHealthy:a',
      'isHealthy:b',
    ]);
    expect(await allocator.getFreeList()).toEqual(['c']);
  });

  it('counts a throwing check as unhealthy', async () => {
    const allocator = await pool(['a', 'b']);
    const health = (key: string) => {
      if (key === 'a') throw new Error('probe crashed');
      return true;
    };
    const lease = await malloc(allocator, new Probe({ health }));
    await lease.refreshUntilHealthy({ lockDuration: 60 });
    expect(lease.key).toBe('b');
  });

  it('throws NoHealthyResourceError when the pool runs out of keys', async () => {
    const allocator = await pool(['a', 'b']);
    const lease = await malloc(allocator, new Probe({ health: () => false }));
    await expect(lease.refreshUntilHealthy({ lockDuration: 60 })).rejects.toThrow(/no free key/);
  });
});
