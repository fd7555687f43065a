/**
 * The allocator contract, including every upstream defect we fix (DESIGN.md §4), one behaviour per
 * test. Each test also checks the pool invariants afterwards.
 */
import { describe, expect, it } from 'vitest';
import { RedisAllocator } from '../../src/index.js';
import { libraryClient } from '../helpers/clients.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';
import { entryExpiry, expectSound, rawPool } from './helpers.js';

const redis = testClient();
/** The allocators under test run on this run's client family (`REDIS_CLIENT`). */
const library = libraryClient();

function allocator(options: { shared?: boolean } = {}) {
  return new RedisAllocator(library, uniquePrefix('sem'), options);
}

describe('membership', () => {
  it('extend appends new keys in the given order and keeps existing positions', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.extend(['c', 'a', 'd']);
    expect(await pool.getFreeList()).toEqual(['a', 'b', 'c', 'd']);
    expect(await pool.size()).toBe(4);
    await expectSound(pool);
  });

  it('duplicates within one extend are inserted once', async () => {
    const pool = allocator();
    await pool.extend(['a', 'a', 'b', 'a']);
    expect(await pool.getFreeList()).toEqual(['a', 'b']);
  });

  it('has, size, keys and async iteration see free and allocated members', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b', 'c']);
    await pool.mallocKey();
    expect(await pool.has('a')).toBe(true);
    expect(await pool.has('zz')).toBe(false);
    expect(await pool.size()).toBe(3);
    expect((await pool.keys()).sort()).toEqual(['a', 'b', 'c']);
    const iterated: string[] = [];
    for await (const key of pool) iterated.push(key);
    expect(iterated.sort()).toEqual(['a', 'b', 'c']);
  });

  it('async iteration streams a pool of 5 000 keys completely', async () => {
    const pool = allocator();
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    await pool.extend(keys);
    const seen = new Set<string>();
    for await (const key of pool) seen.add(key);
    expect(seen.size).toBe(5000);
  });

  it('shrink removes free and allocated members and skips unknown keys', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b', 'c']);
    await pool.mallocKey();
    await pool.shrink(['a', 'c', 'unknown']);
    expect(await pool.keys()).toEqual(['b']);
    expect(await pool.getFreeList()).toEqual(['b']);
    await expectSound(pool);
  });

  it('shrink leaves the lock of a removed held key in place', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    const lease = await pool.acquireLease();
    await pool.shrink(['a']);
    expect(await pool.lockValue('a')).toBe(lease?.token);
  });

  it('clear empties the pool and the free list', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.clear();
    expect(await pool.size()).toBe(0);
    expect(await pool.getFreeList()).toEqual([]);
    expect(await pool.mallocKey()).toBeNull();
    await expectSound(pool);
  });

  it('assign replaces the membership and appends new keys in the given order (F12)', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b', 'c']);
    await pool.assign(['z', 'b', 'y', 'x']);
    expect(await pool.getFreeList()).toEqual(['b', 'z', 'y', 'x']);
    await expectSound(pool);
  });

  it('assign applies the new lifetime to retained keys too (F12)', async () => {
    const pool = allocator();
    await pool.extend(['a'], { timeout: 10 });
    await pool.assign(['a', 'b'], { timeout: 1000 });
    const [now] = await redis.time();
    expect(Number(await entryExpiry(pool, 'a'))).toBeGreaterThan(Number(now) + 900);
    expect(Number(await entryExpiry(pool, 'b'))).toBeGreaterThan(Number(now) + 900);
  });

  it('assign with an empty list clears the pool', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    await pool.assign([]);
    expect(await pool.size()).toBe(0);
  });

  it('extend of an existing member only refreshes its expiry, keeping position and state', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.mallocKey();
    await pool.extend(['a', 'b'], { timeout: 500 });
    const raw = await rawPool(pool);
    expect(raw.entries.a).toMatch(/^#ALLOCATED\|\|#ALLOCATED\|\|\d+$/);
    expect(raw.entries.b).toMatch(/^\|\|\|\|\d+$/);
  });
});

describe('allocation', () => {
  it('exclusive malloc hands out keys in FIFO order and null when the pool is exhausted', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    expect(await pool.mallocKey()).toBe('a');
    expect(await pool.mallocKey()).toBe('b');
    expect(await pool.mallocKey()).toBeNull();
    await expectSound(pool);
  });

  it('malloc on an empty pool returns null', async () => {
    expect(await allocator().mallocKey()).toBeNull();
  });

  it('freed keys return at the tail', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b', 'c']);
    await pool.mallocKey();
    await pool.freeKeys(['a']);
    expect(await pool.getFreeList()).toEqual(['b', 'c', 'a']);
  });

  it('shared malloc rotates keys and never exhausts the pool', async () => {
    const pool = allocator({ shared: true });
    await pool.extend(['a', 'b']);
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await pool.mallocKey());
    expect(got).toEqual(['a', 'b', 'a', 'b', 'a']);
    await expectSound(pool);
  });

  it('a lease with timeout <= 0 never expires (spec: permanent lock)', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    await pool.mallocKey({ timeout: 0 });
    expect(await redis.pttl(`${pool.redisKeys.lockPrefix}a`)).toBe(-1);
  });

  it('a fractional lease timeout is honoured in milliseconds, never made permanent (F10)', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    await pool.mallocKey({ timeout: 0.25 });
    const pttl = await redis.pttl(`${pool.redisKeys.lockPrefix}a`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(250);
  });

  it.each([
    ['the first malloc', false],
    ['a malloc that knows the server clock (its fast path)', true],
  ] as const)(
    'pop drops an expired head entry and hands out the next key: %s',
    async (_label, calibrated) => {
      const pool = allocator();
      if (calibrated) {
        await pool.extend(['warm-up']);
        expect(await pool.mallocKey()).toBe('warm-up'); // learns the server clock
      }
      await pool.extend(['old'], { timeout: 1 });
      await pool.extend(['fresh']);
      await sleep(2.05);
      expect(await pool.mallocKey()).toBe('fresh');
      expect(await pool.has('old')).toBe(false);
      await expectSound(pool);
    },
  );

  it('pop skips a locked head, leaving it allocated for GC to return later', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.lock('a', { value: 'someone', timeout: 60 });
    expect(await pool.mallocKey()).toBe('b');
    expect((await rawPool(pool)).entries.a).toBe('#ALLOCATED||#ALLOCATED||-1');
    await pool.unlock('a'); // the other holder is done
    expect(await pool.gc(10)).toBe(1);
    expect(await pool.getFreeList()).toEqual(['a']);
    await expectSound(pool);
  });

  it('a locked head it skips takes no fence: the next lease is fenced one after the last', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b', 'c']);
    const first = await pool.acquireLease();
    await pool.lock('b', { value: 'someone', timeout: 60 });
    const second = await pool.acquireLease();
    expect(second?.key).toBe('c');
    expect(second?.fence).toBe(first!.fence + 1);
    await expectSound(pool);
  });
});

describe('freeing', () => {
  it('freeKeys of a free key is a no-op', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.freeKeys(['a', 'a']);
    expect(await pool.getFreeList()).toEqual(['a', 'b']);
    await expectSound(pool);
  });

  it('freeKeys of a free node holding a lock only deletes the lock (F2)', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.update('a', { value: 'quarantine', timeout: 60 });
    await pool.freeKeys(['a']);
    expect(await pool.isLocked('a')).toBe(false);
    expect(await pool.getFreeList()).toEqual(['a', 'b']);
    await expectSound(pool);
  });

  it('freeKeys of the sole free node holding a lock does not create a self-loop (F2)', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    await pool.update('a', { value: 'quarantine', timeout: 60 });
    await pool.freeKeys(['a']);
    expect((await rawPool(pool)).entries.a).toBe('||||-1');
    await expectSound(pool);
  });

  it('freeKeys keeps the entry expiry when no timeout is given (F11)', async () => {
    const pool = allocator();
    await pool.extend(['a'], { timeout: 1000 });
    const expiry = await entryExpiry(pool, 'a');
    await pool.mallocKey();
    await pool.freeKeys(['a']);
    expect(await entryExpiry(pool, 'a')).toBe(expiry);
  });

  it('freeKeys with a timeout sets a new entry lifetime', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    await pool.mallocKey();
    await pool.freeKeys(['a'], { timeout: 50 });
    const [now] = await redis.time();
    expect(Number(await entryExpiry(pool, 'a'))).toBeGreaterThanOrEqual(Number(now) + 49);
  });

  it('freeKeys of a key evicted while held deletes the lock but does not re-add it (no zombie)', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.mallocKey();
    await pool.assign(['b']);
    await pool.freeKeys(['a']);
    expect(await pool.keys()).toEqual(['b']);
    expect(await pool.isLocked('a')).toBe(false);
  });

  it('freeKeys of an unknown key leaves the pool unchanged', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    await pool.freeKeys(['nope']);
    expect(await pool.keys()).toEqual(['a']);
  });

  it('releaseLease frees only while the token still holds the lock', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    const lease = (await pool.acquireLease())!;
    expect(await pool.releaseLease(lease)).toBe(true);
    expect(await pool.releaseLease(lease)).toBe(false);
    expect(await pool.getFreeList()).toEqual(['a']);
  });

  it('release by a stale holder leaves the new holder lease intact (F3)', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    const stale = (await pool.acquireLease({ timeout: 0.1 }))!;
    await sleep(0.15);
    await pool.gc(10);
    const current = (await pool.acquireLease({ timeout: 60 }))!;
    expect(current.key).toBe('a');
    expect(await pool.releaseLease(stale)).toBe(false);
    expect(await pool.lockValue('a')).toBe(current.token);
    expect(await pool.mallocKey()).toBeNull();
    await expectSound(pool);
  });

  it('renewLease extends a lease that is still ours', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    const lease = (await pool.acquireLease({ timeout: 5 }))!;
    expect(await pool.renewLease(lease, 100)).toBe(true);
    expect(await redis.pttl(`${pool.redisKeys.lockPrefix}a`)).toBeGreaterThan(90_000);
  });

  it('renewLease of a lost lease returns false and re-creates nothing (F4)', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    const lease = (await pool.acquireLease({ timeout: 0.1 }))!;
    await sleep(0.15);
    await pool.gc(10);
    expect(await pool.renewLease(lease, 100)).toBe(false);
    expect(await pool.isLocked('a')).toBe(false);
    await expectSound(pool);
  });

  it('renewLease of a lease re-allocated to another holder leaves that holder alone (F4)', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    const stale = (await pool.acquireLease({ timeout: 0.1 }))!;
    await sleep(0.15);
    await pool.gc(10);
    const current = (await pool.acquireLease({ timeout: 60 }))!;
    expect(await pool.renewLease(stale, 1000)).toBe(false);
    expect(await pool.lockValue('a')).toBe(current.token);
  });
});

describe('re-adding a key whose lease is live (F6)', () => {
  it.each(['clear', 'shrink'] as const)(
    'extend after %s keeps the live lock and inserts the key as allocated',
    async (removal) => {
      const pool = allocator();
      await pool.extend(['a', 'b']);
      const lease = (await pool.acquireLease())!;
      if (removal === 'clear') await pool.clear();
      else await pool.shrink(['a']);
      await pool.extend(['a']);
      expect(await pool.lockValue('a')).toBe(lease.token);
      expect((await rawPool(pool)).entries.a).toBe('#ALLOCATED||#ALLOCATED||-1');
      expect(await pool.mallocKey()).not.toBe('a');
      await expectSound(pool);
    },
  );

  it('assign re-adding an evicted held key keeps the lease; GC frees it after release', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    const lease = (await pool.acquireLease())!;
    await pool.assign(['b']);
    await pool.assign(['a', 'b']);
    expect(await pool.mallocKey()).toBe('b');
    expect(await pool.mallocKey()).toBeNull();
    expect(await pool.releaseLease(lease)).toBe(true);
    expect(await pool.mallocKey()).toBe('a');
    await expectSound(pool);
  });
});

describe('soft binding', () => {
  it('a name gets its bound key back after freeing it', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b', 'c']);
    expect(await pool.mallocKey({ name: 'w' })).toBe('a');
    await pool.freeKeys(['a']);
    expect(await pool.mallocKey()).toBe('b');
    expect(await pool.mallocKey({ name: 'w' })).toBe('a');
    expect(await pool.getSoftBind('w')).toBe('a');
    await expectSound(pool);
  });

  it('the binding survives free', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    await pool.mallocKey({ name: 'w' });
    await pool.freeKeys(['a']);
    expect(await pool.getSoftBind('w')).toBe('a');
  });

  it('a same-name request while the bound key is held gets another key and keeps the binding', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    expect(await pool.mallocKey({ name: 'w' })).toBe('a');
    expect(await pool.mallocKey({ name: 'w' })).toBe('b');
    expect(await pool.getSoftBind('w')).toBe('a');
    await expectSound(pool);
  });

  it('a binding to a key that left the pool is dropped and re-pointed', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.mallocKey({ name: 'w' });
    await pool.shrink(['a']);
    expect(await pool.mallocKey({ name: 'w' })).toBe('b');
    expect(await pool.getSoftBind('w')).toBe('b');
  });

  it('a binding to an expired entry is not honoured (F7)', async () => {
    const pool = allocator();
    await pool.extend(['a'], { timeout: 1 });
    await pool.extend(['b']);
    await pool.mallocKey({ name: 'w' });
    await pool.freeKeys(['a']);
    await sleep(2.05);
    expect(await pool.mallocKey({ name: 'w' })).toBe('b');
    expect(await pool.getSoftBind('w')).toBe('b');
    await expectSound(pool);
  });

  it('a binding hit with timeout <= 0 takes a permanent lease without error (F5)', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.mallocKey({ name: 'w', timeout: 0 });
    await pool.freeKeys(['a']);
    expect(await pool.mallocKey({ name: 'w', timeout: 0 })).toBe('a');
    expect(await redis.pttl(`${pool.redisKeys.lockPrefix}a`)).toBe(-1);
    await expectSound(pool);
  });

  it('a binding hit refreshes the binding TTL; cacheTimeout <= 0 makes it permanent', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    await pool.mallocKey({ name: 'w', cacheTimeout: 10 });
    await pool.freeKeys(['a']);
    await pool.mallocKey({ name: 'w', cacheTimeout: 0 });
    expect(await redis.pttl(`${pool.redisKeys.bindPrefix}w`)).toBe(-1);
  });

  it('updateSoftBind writes the binding malloc reads (F8)', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.updateSoftBind('w', 'b');
    expect(await pool.getSoftBind('w')).toBe('b');
    expect(await pool.mallocKey({ name: 'w' })).toBe('b');
  });

  it('updateSoftBind with timeout <= 0 writes a permanent binding (F9)', async () => {
    const pool = allocator();
    await pool.updateSoftBind('w', 'b', 0);
    expect(await redis.pttl(`${pool.redisKeys.bindPrefix}w`)).toBe(-1);
  });

  it('unbindSoftBind deletes the binding and the legacy upstream key shape (F8)', async () => {
    const pool = allocator();
    await pool.updateSoftBind('w', 'b');
    await redis.set(`${pool.redisKeys.legacyBindPrefix}w`, 'b');
    await pool.unbindSoftBind('w');
    expect(await pool.getSoftBind('w')).toBeNull();
    expect(await redis.exists(`${pool.redisKeys.legacyBindPrefix}w`)).toBe(0);
  });

  it('getSoftBind of an unknown name is null', async () => {
    expect(await allocator().getSoftBind('nobody')).toBeNull();
  });

  it('shared mode: a binding hit returns the key without rotating the free list', async () => {
    const pool = allocator({ shared: true });
    await pool.extend(['a', 'b', 'c']);
    expect(await pool.mallocKey({ name: 'w' })).toBe('a');
    expect(await pool.getFreeList()).toEqual(['b', 'c', 'a']);
    expect(await pool.mallocKey({ name: 'w' })).toBe('a');
    expect(await pool.getFreeList()).toEqual(['b', 'c', 'a']);
  });

  it('shared mode: a binding to a quarantined key is re-pointed', async () => {
    const pool = allocator({ shared: true });
    await pool.extend(['a', 'b']);
    await pool.mallocKey({ name: 'w' });
    await pool.update('a', { value: 'quarantine', timeout: 60 });
    expect(await pool.mallocKey({ name: 'w' })).toBe('b');
    expect(await pool.getSoftBind('w')).toBe('b');
    await expectSound(pool);
  });
});

describe('garbage collection', () => {
  it('GC returns an allocated key whose lease ended to the free list', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.mallocKey({ timeout: 0.1 });
    await sleep(0.15);
    expect(await pool.gc(10)).toBe(1);
    expect(await pool.getFreeList()).toEqual(['b', 'a']);
    await expectSound(pool);
  });

  it('GC leaves an allocated key whose lease is live', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    await pool.mallocKey({ timeout: 60 });
    expect(await pool.gc(10)).toBe(0);
    expect(await pool.getFreeList()).toEqual([]);
  });

  it('GC takes a locked key off the free list (self-heal / quarantine)', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b']);
    await pool.update('a', { value: 'external', timeout: 60 });
    await pool.gc(10);
    expect(await pool.getFreeList()).toEqual(['b']);
    expect((await rawPool(pool)).entries.a).toBe('#ALLOCATED||#ALLOCATED||-1');
    await expectSound(pool);
  });

  it('GC removes expired entries, free or allocated, and leaves their locks', async () => {
    const pool = allocator();
    await pool.extend(['a', 'b'], { timeout: 1 });
    await pool.extend(['c']);
    const lease = (await pool.acquireLease({ timeout: 60 }))!;
    await sleep(2.05);
    await pool.gc(10);
    expect(await pool.keys()).toEqual(['c']);
    expect(await pool.lockValue(lease.key)).toBe(lease.token);
    await expectSound(pool);
  });

  it('GC completes passes over a large pool whose members vanish between steps (F24)', async () => {
    const pool = allocator();
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
    await pool.extend(keys);
    for (let i = 0; i < 100; i++) await pool.mallocKey({ timeout: 60 });
    expect(await pool.gc(50)).toBe(0);
    await pool.shrink(keys.filter((_, i) => i % 3 === 0));
    for (let i = 0; i < 100; i++) await pool.unlock(`k${i}`); // every lease ends
    let reclaimed = 0;
    for (let i = 0; i < 200; i++) reclaimed += await pool.gc(50);
    expect(reclaimed).toBe(66);
    await expectSound(pool);
  });

  it('a full GC pass reclaims every allocated key without a lock (INV-6)', async () => {
    const pool = allocator();
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
    await pool.extend(keys);
    for (let i = 0; i < 200; i++) await pool.mallocKey({ timeout: 60 });
    for (let i = 0; i < 200; i++) await pool.unlock(`k${i}`); // every lease ends
    let reclaimed = 0;
    for (let i = 0; i < 100; i++) reclaimed += await pool.gc(20);
    expect(reclaimed).toBe(200);
    expect((await pool.getFreeList()).length).toBe(500);
  });

  it('malloc with gcCount runs the GC step in the same call', async () => {
    const pool = allocator();
    await pool.extend(['a']);
    await pool.mallocKey({ timeout: 0.05 });
    await sleep(0.1);
    expect(await pool.acquireLease({ gcCount: 5 })).not.toBeNull();
  });
});

describe('names are data, never code (F14, F15)', () => {
  it('a prefix with quotes, backslashes and newlines addresses exactly the keys it names', async () => {
    const prefix = `${uniquePrefix('inj')}'"\\x\n]]--`;
    const pool = new RedisAllocator(library, prefix);
    await pool.extend(['a']);
    await pool.mallocKey({ name: 'n' });
    expect(await redis.hgetall(`${prefix}|allocator|pool`)).toEqual({ a: '#ALLOCATED||#ALLOCATED||-1' });
    expect(await redis.exists(`${prefix}|allocator:a`)).toBe(1);
    expect(await redis.get(`${prefix}|allocator-cache:bind:n`)).toBe('a');
  });

  it('allocators with different prefixes share one script set (no script-cache growth)', async () => {
    const warm = allocator();
    await warm.extend(['a']);
    await warm.mallocKey();
    const before = await cachedScripts();
    for (let i = 0; i < 5; i++) {
      const pool = allocator();
      await pool.extend(['a']);
      await pool.mallocKey();
      await pool.freeKeys(['a']);
    }
    expect(await cachedScripts()).toBeLessThan(before + 10);
  });
});

async function cachedScripts(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/number_of_cached_scripts:(\d+)/.exec(info)?.[1]);
}

describe('GC folded into malloc, behind a gate', () => {
  async function poolWithEndedLease(keys: string[]) {
    const pool = allocator();
    await pool.extend(keys);
    const ended = (await pool.acquireLease({ timeout: 60 }))!;
    await pool.unlock(ended.key); // the lease ends; only GC can return the key
    return { pool, ended };
  }

  it('the call that opens the gate runs the GC step', async () => {
    const { pool, ended } = await poolWithEndedLease(['a', 'b']);
    expect((await pool.acquireLease({ gcCount: 10, gcInterval: 60 }))?.key).toBe('b');
    expect(await pool.getFreeList()).toEqual([ended.key]);
  });

  it('while the gate is closed, a call with free keys skips the GC step', async () => {
    const { pool } = await poolWithEndedLease(['a', 'b', 'c']);
    await redis.set(pool.redisKeys.gcGate, '1', 'PX', 60_000);
    expect((await pool.acquireLease({ gcCount: 10, gcInterval: 60 }))?.key).toBe('b');
    expect(await pool.getFreeList()).toEqual(['c']);
  });

  it('a call that finds the free list empty runs a GC step even while the gate is closed', async () => {
    const { pool, ended } = await poolWithEndedLease(['a']);
    await redis.set(pool.redisKeys.gcGate, '1', 'PX', 60_000);
    expect((await pool.acquireLease({ gcCount: 10, gcInterval: 60 }))?.key).toBe(ended.key);
    await expectSound(pool);
  });

  it('gcInterval 0 runs the GC step on every call', async () => {
    const { pool, ended } = await poolWithEndedLease(['a', 'b', 'c']);
    await redis.set(pool.redisKeys.gcGate, '1', 'PX', 60_000);
    expect((await pool.acquireLease({ gcCount: 10, gcInterval: 0 }))?.key).toBe('b');
    expect(await pool.getFreeList()).toEqual(['c', ended.key]);
  });
});
