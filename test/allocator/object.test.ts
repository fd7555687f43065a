/** `RedisAllocatorObject`: one allocation as an object — renew, release, open/close, identity. */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { RedisAllocator, RedisAllocatorObject } from '../../src/index.js';
import { sleep, testClient } from '../helpers/redis.js';
import { Probe } from './fixtures/probe.js';
import { probePool } from './fixtures/probe-pool.js';
import { expectSound } from './helpers.js';

/** Owner tokens name their holder: `<host>:<pid>:<12 random base64url chars>`. */
const OWNER_TOKEN = new RegExp(`^${hostname()}:${process.pid}:[A-Za-z0-9_-]{12}@[1-9]\\d*$`);

const redis = testClient();

async function pool(keys: string[], options: { shared?: boolean } = {}) {
  return (await probePool(redis, 'obj', keys, options)).allocator;
}

function lockOf(allocator: RedisAllocator<Probe>, key: string) {
  return allocator.lockValue(key);
}

async function expectAllocation(
  value: RedisAllocatorObject<Probe> | null,
): Promise<RedisAllocatorObject<Probe>> {
  expect(value).not.toBeNull();
  return value!;
}

describe('malloc', () => {
  it('wraps the key and token and configures the object with the key and params', async () => {
    const allocator = await pool(['a', 'b']);
    const probe = new Probe();
    const lease = await expectAllocation(await allocator.malloc({ obj: probe, params: { tag: 'x' } }));
    expect(lease.key).toBe('a');
    expect(lease.token).toMatch(OWNER_TOKEN);
    expect(await lockOf(allocator, 'a')).toBe(lease.token);
    expect(lease.obj).toBe(probe);
    expect(lease.params).toEqual({ tag: 'x' });
    expect(probe.key).toBe('a');
    expect(probe.params).toEqual({ tag: 'x' });
  });

  it('returns null when no key is free', async () => {
    const allocator = await pool(['a']);
    await allocator.malloc();
    expect(await allocator.malloc()).toBeNull();
  });

  it('soft-binds by the object name: the same name gets its key back after release', async () => {
    const allocator = await pool(['a', 'b', 'c']);
    await allocator.mallocKey();
    const first = await expectAllocation(await allocator.malloc({ obj: new Probe({ name: 'w1' }) }));
    expect(first.key).toBe('b');
    await first.release();
    const second = await expectAllocation(await allocator.malloc({ obj: new Probe({ name: 'w1' }) }));
    expect(second.key).toBe('b');
  });
});

describe('update', () => {
  it('renews the lease while it is ours', async () => {
    const allocator = await pool(['a']);
    const lease = await expectAllocation(await allocator.malloc({ timeout: 5 }));
    expect(await lease.update(100)).toBe(true);
    expect(await redis.pttl(`${allocator.redisKeys.lockPrefix}a`)).toBeGreaterThan(50_000);
  });

  it('returns false after the lease was lost and does not re-create the lock', async () => {
    const allocator = await pool(['a']);
    const lease = await expectAllocation(await allocator.malloc({ timeout: 0.2 }));
    await sleep(0.35);
    await allocator.gc(10);
    expect(await lease.update(60)).toBe(false);
    expect(await allocator.isLocked('a')).toBe(false);
    expect(await allocator.getFreeList()).toEqual(['a']);
    await expectSound(allocator);
  });

  it('returns false once the key belongs to another holder and leaves that lease intact', async () => {
    const allocator = await pool(['a']);
    const stale = await expectAllocation(await allocator.malloc({ timeout: 0.2 }));
    await sleep(0.35);
    await allocator.gc(10);
    const current = await expectAllocation(await allocator.malloc({ timeout: 60 }));
    expect(current.key).toBe('a');
    expect(await stale.update(600)).toBe(false);
    expect(await lockOf(allocator, 'a')).toBe(current.token);
    expect(await redis.pttl(`${allocator.redisKeys.lockPrefix}a`)).toBeLessThanOrEqual(60_000);
  });

  it('with timeout <= 0 frees the lease', async () => {
    const allocator = await pool(['a', 'b']);
    const lease = await expectAllocation(await allocator.malloc());
    expect(await lease.update(0)).toBe(true);
    expect(await allocator.getFreeList()).toEqual(['b', 'a']);
    expect(await lease.update(60)).toBe(false);
  });

  it('of a shared-mode rotation writes no lock', async () => {
    const allocator = await pool(['a'], { shared: true });
    const lease = await expectAllocation(await allocator.malloc());
    expect(lease.token).toBe('');
    expect(await lease.update(60)).toBe(true);
    expect(await allocator.isLocked('a')).toBe(false);
  });
});

describe('release', () => {
  it('closes the object, then frees the key', async () => {
    const allocator = await pool(['a', 'b']);
    const probe = new Probe();
    const lease = await expectAllocation(await allocator.malloc({ obj: probe }));
    expect(await lease.release()).toBe(true);
    expect(probe.calls).toEqual(['setConfig:a', 'close:a']);
    expect(lease.released).toBe(true);
    expect(await allocator.getFreeList()).toEqual(['b', 'a']);
    await expectSound(allocator);
  });

  it('is idempotent: a second release does not free the key again', async () => {
    const allocator = await pool(['a']);
    const probe = new Probe();
    const lease = await expectAllocation(await allocator.malloc({ obj: probe }));
    await lease.release();
    const next = await expectAllocation(await allocator.malloc());
    expect(await lease.release()).toBe(false);
    expect(probe.calls.filter((call) => call.startsWith('close'))).toHaveLength(1);
    expect(await lockOf(allocator, 'a')).toBe(next.token);
  });

  it('by a stale holder leaves the new holder lease intact', async () => {
    const allocator = await pool(['a']);
    const stale = await expectAllocation(await allocator.malloc({ timeout: 0.2 }));
    await sleep(0.35);
    await allocator.gc(10);
    const current = await expectAllocation(await allocator.malloc({ timeout: 60 }));
    expect(await stale.release()).toBe(false);
    expect(await lockOf(allocator, 'a')).toBe(current.token);
    expect(await allocator.getFreeList()).toEqual([]);
  });

  it('frees the key even when close throws, then rethrows', async () => {
    const allocator = await pool(['a']);
    const probe = new Probe();
    probe.close = () => {
      throw new Error('close failed');
    };
    const lease = await expectAllocation(await allocator.malloc({ obj: probe }));
    await expect(lease.release()).rejects.toThrow('close failed');
    expect(await allocator.getFreeList()).toEqual(['a']);
  });

  it('with a timeout gives the freed entry that lifetime', async () => {
    const allocator = await pool(['a']);
    const lease = await expectAllocation(await allocator.malloc());
    await lease.release({ timeout: 100 });
    const [now] = await redis.time();
    const expiry = (await redis.hget(allocator.redisKeys.pool, 'a'))!.split('||')[2];
    expect(Number(expiry) - Number(now)).toBeGreaterThan(90);
  });

  it('allocator.free is token-checked like release', async () => {
    const allocator = await pool(['a']);
    const stale = await expectAllocation(await allocator.malloc({ timeout: 0.2 }));
    await sleep(0.35);
    await allocator.gc(10);
    const current = await expectAllocation(await allocator.malloc());
    expect(await allocator.free(stale)).toBe(false);
    expect(await allocator.free(current)).toBe(true);
    expect(await allocator.getFreeList()).toEqual(['a']);
  });
});

describe('object lifecycle and identity', () => {
  it('open and close delegate to the object and open returns the allocation', async () => {
    const allocator = await pool(['a']);
    const probe = new Probe();
    const lease = await expectAllocation(await allocator.malloc({ obj: probe }));
    expect(await lease.open()).toBe(lease);
    await lease.close();
    expect(probe.calls).toEqual(['setConfig:a', 'open:a', 'close:a']);
    expect(await allocator.isLocked('a')).toBe(true);
  });

  it('isHealthy is true without an object and awaits an async verdict', async () => {
    const allocator = await pool(['a', 'b']);
    const bare = await expectAllocation(await allocator.malloc());
    expect(await bare.isHealthy()).toBe(true);
    const sick = await expectAllocation(
      await allocator.malloc({ obj: new Probe({ health: async () => false }) }),
    );
    expect(await sick.isHealthy()).toBe(false);
  });

  it('uniqueId is the key, or key:<obj.uniqueId> with an object', async () => {
    const allocator = await pool(['a', 'b', 'c']);
    expect((await allocator.malloc())?.uniqueId).toBe('a');
    expect((await allocator.malloc({ obj: new Probe({ uniqueId: 'p1' }) }))?.uniqueId).toBe('b:p1');
    expect((await allocator.malloc({ obj: new Probe() }))?.uniqueId).toBe('c:');
  });

  it('name is the object name, or null', async () => {
    const allocator = await pool(['a', 'b']);
    expect((await allocator.malloc())?.name).toBeNull();
    expect((await allocator.malloc({ obj: new Probe({ name: 'w' }) }))?.name).toBe('w');
  });
});
