/**
 * Holding a lease (DESIGN.md §11): using(), fencing tokens, cooldown, holder names, prompt return
 * through the deadline index, and the typed rejection of bad hold options.
 */
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { ownerToken } from '../../src/allocator/holder.js';
import {
  COOLDOWN_LOCK_VALUE,
  DefaultRedisAllocatorPolicy,
  describeLock,
  InvalidArgumentError,
  InvalidTimeoutError,
  LeaseLostError,
  NoResourceError,
  RedisAllocator,
} from '../../src/index.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';
import { rawPool } from './helpers.js';

const redis = testClient();
const execFileAsync = promisify(execFile);

async function pool(keys: string[] = ['a', 'b', 'c'], client = redis): Promise<RedisAllocator> {
  const allocator = new RedisAllocator(client, uniquePrefix('holding'));
  if (keys.length > 0) await allocator.extend(keys);
  return allocator;
}

const lockOf = (allocator: RedisAllocator, key: string) => redis.get(allocator.redisKeys.lockPrefix + key);

describe('using()', () => {
  it('runs the work with a kept-alive lease, releases it, and returns the result', async () => {
    const allocator = await pool(['a']);
    const result = await allocator.using({ timeout: 5 }, async (obj, signal) => {
      expect(obj.keptAlive).toBe(true);
      expect(signal.aborted).toBe(false);
      expect(await lockOf(allocator, obj.key)).toBe(obj.token);
      return `used ${obj.key}`;
    });
    expect(result).toBe('used a');
    expect(await allocator.getFreeList()).toEqual(['a']);
    expect(allocator.leaseKeeper.size).toBe(0);
  });

  it('releases the lease when the work throws, and rethrows', async () => {
    const allocator = await pool(['a']);
    await expect(
      allocator.using({ timeout: 5 }, async () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await allocator.getFreeList()).toEqual(['a']);
    expect(await lockOf(allocator, 'a')).toBeNull();
  });

  it('throws NoResourceError when no key is free', async () => {
    const allocator = await pool(['a']);
    const held = await allocator.malloc({ timeout: 5 });
    const work = async () => 'never';
    await expect(allocator.using({ timeout: 5 }, work)).rejects.toBeInstanceOf(NoResourceError);
    await expect(allocator.using({ timeout: 5 }, work)).rejects.toMatchObject({ name: 'NoResourceError' });
    await held?.release();
  });

  it("the work's signal aborts when the caller's own signal aborts", async () => {
    const allocator = await pool(['a']);
    const caller = new AbortController();
    const reason = await allocator.using({ timeout: 5, signal: caller.signal }, async (_obj, signal) => {
      setTimeout(() => caller.abort(new Error('shutting down')), 50);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return signal.reason as Error;
    });
    expect(reason.message).toBe('shutting down');
    expect(await allocator.getFreeList()).toEqual(['a']);
  });

  it("the work's signal aborts with the LeaseLostError when the lease is taken", async () => {
    const allocator = await pool(['a']);
    const reason = await allocator.using({ timeout: 2, renewEvery: 0.1 }, async (obj, signal) => {
      await redis.set(allocator.redisKeys.lockPrefix + obj.key, 'intruder', 'PX', 5000);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return signal.reason;
    });
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as LeaseLostError).reason).toBe('taken');
    expect(await lockOf(allocator, 'a')).toBe('intruder'); // the final release left it alone
  });

  it('an already aborted caller signal rejects before any key is taken', async () => {
    const allocator = await pool(['a']);
    const caller = new AbortController();
    caller.abort(new Error('too late'));
    await expect(allocator.using({ signal: caller.signal }, async () => 1)).rejects.toThrow('too late');
    expect(await allocator.getFreeList()).toEqual(['a']);
  });
});

describe('fencing tokens', () => {
  it('strictly increase per pool across two allocator instances and every way of taking a key', async () => {
    const prefix = uniquePrefix('holding');
    const first = new RedisAllocator(redis, prefix);
    const second = new RedisAllocator(testClient(), prefix); // another client, as another process
    await first.extend(['a', 'b', 'c', 'd']);
    const fences: number[] = [];
    for (let round = 0; round < 5; round++) {
      const one = (await first.malloc({ timeout: 5 }))!;
      const two = (await second.malloc({ timeout: 5 }))!;
      const three = (await first.acquireKey('d', { timeout: 5 }))!;
      const four = (await second.acquireLease({ timeout: 5 }))!; // the uncontended fast path
      fences.push(one.fence, two.fence, three.fence, four.fence);
      expect(one.lease.fence).toBe(one.fence);
      await one.release();
      await two.release();
      await first.releaseLease(three);
      await second.releaseLease(four);
    }
    expect(fences[0]).toBeGreaterThan(0);
    for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1]!);
  });

  it('a shared-mode rotation has fence 0 (it is not exclusive)', async () => {
    const allocator = new RedisAllocator(redis, uniquePrefix('holding'), { shared: true });
    await allocator.extend(['a']);
    expect((await allocator.malloc())!.fence).toBe(0);
  });
});

describe('cooldown', () => {
  it('keeps a released key out of circulation for the cooldown, then it returns by itself', async () => {
    const allocator = await pool(['a', 'b']);
    const obj = (await allocator.malloc({ timeout: 30 }))!;
    expect(obj.key).toBe('a');
    await obj.release({ cooldown: 1 });
    expect(await lockOf(allocator, 'a')).toBe(COOLDOWN_LOCK_VALUE);
    expect(describeLock(COOLDOWN_LOCK_VALUE).state).toBe('cooling');
    expect(await allocator.getFreeList()).toEqual(['b']);
    expect((await allocator.mallocKey({ timeout: 30 })) ?? null).toBe('b');
    expect(await allocator.mallocKey({ timeout: 30 })).toBeNull(); // a is still cooling
    await sleep(1.2);
    // The next malloc finds nothing free, pops the deadline index and gets the rested key.
    expect(await allocator.mallocKey({ timeout: 30 })).toBe('a');
  });

  it('free(obj, { cooldown }) rests the key too, and a cooling key is told apart from a held one', async () => {
    const allocator = await pool(['a', 'b']);
    const cooling = (await allocator.malloc({ timeout: 30 }))!;
    const held = (await allocator.malloc({ timeout: 30, holder: 'report-job' }))!;
    expect(await allocator.free(cooling, { cooldown: 5 })).toBe(true);
    expect(describeLock((await lockOf(allocator, cooling.key))!)).toEqual({
      state: 'cooling',
      holder: null,
      fence: null,
    });
    expect(describeLock((await lockOf(allocator, held.key))!)).toEqual({
      state: 'held',
      holder: 'report-job',
      fence: held.fence,
    });
    expect((await rawPool(allocator)).entries[cooling.key]).toMatch(/^#ALLOCATED\|\|#ALLOCATED\|\|/);
  });

  it('rejects a negative, NaN or infinite cooldown before any Redis call and keeps the lease', async () => {
    const allocator = await pool(['a']);
    const obj = (await allocator.malloc({ timeout: 30 }))!;
    const before = await rawPool(allocator);
    for (const cooldown of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      await expect(obj.release({ cooldown })).rejects.toBeInstanceOf(InvalidTimeoutError);
      await expect(allocator.free(obj, { cooldown })).rejects.toBeInstanceOf(InvalidTimeoutError);
    }
    expect(await rawPool(allocator)).toEqual(before);
    expect(obj.released).toBe(false);
    expect(await obj.release()).toBe(true);
  });
});

describe('holder names', () => {
  it('lock values name the holder: <host>:<pid>:<random> by default, or the holder label', async () => {
    const allocator = await pool(['a', 'b']);
    const plain = (await allocator.malloc({ timeout: 30 }))!;
    const labelled = (await allocator.malloc({ timeout: 30, holder: 'billing-worker-7' }))!;
    expect(describeLock((await lockOf(allocator, plain.key))!).holder).toBe(`${hostname()}:${process.pid}`);
    expect(describeLock((await lockOf(allocator, labelled.key))!).holder).toBe('billing-worker-7');
    expect(labelled.token).not.toBe(plain.token);
  });

  it('owner tokens are distinct, each with 72 fresh random bits, also across random batches', () => {
    const tokens = Array.from({ length: 1500 }, () => ownerToken('h'));
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) expect(token).toMatch(/^h:[A-Za-z0-9_-]{12}$/);
  });

  it('lock values carry the lease fence, <token>@<fence>, so diagnostics can show it', async () => {
    const allocator = await pool(['a', 'b', 'c']);
    const viaMalloc = (await allocator.malloc({ timeout: 30, holder: 'job@eu-1' }))!;
    const viaKey = (await allocator.acquireKey('c', { timeout: 30 }))!;
    for (const lease of [viaMalloc, viaKey]) {
      const lock = (await lockOf(allocator, lease.key))!;
      expect(lock).toBe(lease.token);
      expect(lock.endsWith(`@${lease.fence}`)).toBe(true);
      expect(describeLock(lock).fence).toBe(lease.fence);
    }
    expect(describeLock(viaMalloc.token).holder).toBe('job@eu-1');
    // A Python peer's lock value names no fence.
    expect(describeLock('1')).toEqual({ state: 'held', holder: null, fence: null });
  });

  it.each([
    ['empty', ''],
    ['with a space', 'a b'],
    ['with a newline', 'a\nb'],
    ['starting with #', '#cooldown'],
    ['too long', 'x'.repeat(201)],
    ['not a string', 7],
  ])('rejects a holder %s before any Redis call', async (_label, holder) => {
    const allocator = await pool(['a']);
    const before = await rawPool(allocator);
    await expect(allocator.malloc({ holder: holder as string })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(allocator.acquireLease({ holder: holder as string })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(await rawPool(allocator)).toEqual(before);
  });
});

describe('bad keep-alive options', () => {
  it.each([
    ['a lease that never expires', { timeout: 0 }, InvalidArgumentError],
    ['an infinite lease', { timeout: Number.POSITIVE_INFINITY }, InvalidArgumentError],
    ['maxHold 0', { maxHold: 0 }, InvalidTimeoutError],
    ['a negative maxHold', { maxHold: -5 }, InvalidTimeoutError],
    ['maxHold NaN', { maxHold: Number.NaN }, InvalidTimeoutError],
    ['renewEvery 0', { renewEvery: 0 }, InvalidTimeoutError],
    ['renewEvery not shorter than the lease', { timeout: 5, renewEvery: 5 }, InvalidTimeoutError],
  ])('keepAlive with %s is rejected before any Redis call', async (_label, options, type) => {
    const allocator = await pool(['a']);
    const before = await rawPool(allocator);
    await expect(allocator.malloc({ keepAlive: true, ...options })).rejects.toBeInstanceOf(type);
    expect(await rawPool(allocator)).toEqual(before);
  });

  it('keepAlive in shared mode is rejected (a rotation holds no lease)', async () => {
    const allocator = new RedisAllocator(redis, uniquePrefix('holding'), { shared: true });
    await expect(allocator.malloc({ keepAlive: true })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('prompt return', () => {
  it('an expired lease is allocatable again within about a second at 100 000 keys', async () => {
    const allocator = new RedisAllocator(redis, uniquePrefix('holding-100k'), {
      policy: new DefaultRedisAllocatorPolicy(), // GC folded into malloc, gated at 0.1 s
    });
    const keys = Array.from({ length: 100_000 }, (_, i) => `r${String(i).padStart(6, '0')}`);
    for (let i = 0; i < keys.length; i += 5000) await allocator.extend(keys.slice(i, i + 5000));
    try {
      const lost = (await allocator.malloc({ timeout: 1 }))!;
      expect(lost.key).toBe('r000000');
      const { pool: poolKey, lockPrefix } = allocator.redisKeys;
      // Light background load: one malloc+release every 50 ms.
      let back = 0;
      let expiredAt = 0;
      const deadline = performance.now() + 15_000;
      while (performance.now() < deadline) {
        const other = await allocator.malloc({ timeout: 30 });
        await other?.release();
        if (expiredAt === 0 && (await redis.exists(lockPrefix + lost.key)) === 0)
          expiredAt = performance.now();
        const entry = await redis.hget(poolKey, lost.key);
        if (expiredAt > 0 && entry !== null && !entry.startsWith('#ALLOCATED')) {
          back = performance.now();
          break;
        }
        await sleep(0.05);
      }
      expect(back, 'the expired lease never returned').toBeGreaterThan(0);
      // A whole HSCAN pass would take 100 000 / 5 × 0.1 s = 2 000 s; the index takes < 1 s.
      expect((back - expiredAt) / 1000).toBeLessThan(2);
    } finally {
      await redis.del(allocator.redisKeys.pool, allocator.redisKeys.deadlines);
    }
  }, 60_000);

  it('stale index entries of released keys do not hold back an expired lease behind them', async () => {
    // Release and free leave their keys in the index; the pop drops those entries lazily. 5 000 of
    // them fall due before the lease: popped 100 per gated malloc (0.1 s) they would hold it back
    // 5 s; a pop looks past stale entries, so it still returns within about a second. A GC step of
    // one entry: an HSCAN step that happened upon the lease would return it without the pop.
    const allocator = new RedisAllocator(redis, uniquePrefix('holding-stale'), {
      policy: new DefaultRedisAllocatorPolicy({ gcCount: 1 }),
    });
    const keys = Array.from({ length: 5100 }, (_, i) => `r${String(i).padStart(6, '0')}`);
    for (let i = 0; i < keys.length; i += 5000) await allocator.extend(keys.slice(i, i + 5000));
    const { pool: poolKey, lockPrefix, deadlines } = allocator.redisKeys;
    try {
      const lost = (await allocator.malloc({ timeout: 1 }))!;
      // The entries 5 000 released keys leave behind, due before the lease's own.
      const stale = keys.slice(100).flatMap((key) => [0, key]);
      await redis.zadd(deadlines, ...(stale as [number, string]));
      while ((await redis.exists(lockPrefix + lost.key)) === 1) await sleep(0.05);
      const expiredAt = performance.now();
      let back = 0;
      while (performance.now() < expiredAt + 15_000) {
        const other = await allocator.malloc({ timeout: 30 });
        await other?.release();
        const entry = await redis.hget(poolKey, lost.key);
        if (entry !== null && !entry.startsWith('#ALLOCATED')) {
          back = performance.now();
          break;
        }
        await sleep(0.05);
      }
      expect(back, 'the expired lease never returned').toBeGreaterThan(0);
      expect((back - expiredAt) / 1000).toBeLessThan(2.5);
    } finally {
      await redis.del(poolKey, deadlines);
    }
  }, 60_000);

  it('a quarantine that ended returns through the deadline index too', async () => {
    const allocator = await pool(['a', 'b']);
    const obj = (await allocator.malloc({ timeout: 30 }))!;
    await obj.setUnhealthy(0.5);
    expect(await allocator.getFreeList()).toEqual(['b']);
    const { deadlines } = allocator.redisKeys;
    expect(await redis.zscore(deadlines, 'a')).not.toBeNull(); // the quarantine's end is indexed
    await sleep(0.8);
    expect(await allocator.gc(1)).toBe(1);
    expect(await allocator.getFreeList()).toEqual(['b', 'a']);
    expect(await redis.zscore(deadlines, 'a')).toBeNull();
  });
});

describe('timers', () => {
  it('a process holding a kept-alive lease exits by itself (timers are unref-ed)', async () => {
    const started = performance.now();
    const { stdout } = await execFileAsync(
      process.execPath,
      ['test/allocator/fixtures/keep-alive-exit.mjs'],
      {
        env: { ...process.env, REDIS_URL: inject('redisUrl'), PREFIX: uniquePrefix('exit') },
        timeout: 20_000,
      },
    );
    expect(stdout.trim()).toBe('kept alive');
    // The lease is 60 s and renews every 20 s: a referenced timer would keep the child 20 s.
    expect(performance.now() - started).toBeLessThan(12_000);
  });
});
