/**
 * The server-clock estimate behind the deadline index (src/allocator/redis-clock.ts): malloc sends
 * it instead of reading Redis `TIME` on every call, calibrates it from the one malloc that reads
 * `TIME`, and the deadlines it writes still match the server clock. On a private server, so its
 * command statistics count only this file's calls.
 */
import { describe, expect, it } from 'vitest';
import { RedisClock } from '../../src/allocator/redis-clock.js';
import { RedisAllocator } from '../../src/index.js';
import { commandCalls, ownServer } from '../helpers/own-server.js';
import { uniquePrefix } from '../helpers/redis.js';

const own = ownServer();

/** Server-side TIME calls so far (scripts' own calls included). */
function timeCalls(): Promise<number> {
  return commandCalls(own.redis, 'time');
}

async function serverMs(): Promise<number> {
  const [seconds, micros] = (await own.redis.time()) as [number, number];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

describe('server clock estimate', () => {
  it('the first malloc reads the server time; later mallocs send the estimate and read none', async () => {
    const allocator = new RedisAllocator(own.redis, uniquePrefix('clock'));
    await allocator.extend(['a', 'b', 'c', 'd']);
    const before = await timeCalls();
    const first = await allocator.mallocKey({ timeout: 30 });
    expect(first).toBe('a');
    expect(await timeCalls()).toBe(before + 1);
    for (const key of ['b', 'c', 'd']) {
      expect(await allocator.mallocKey({ timeout: 30 })).toBe(key);
      await allocator.freeKeys([key]);
    }
    // Two in one tick: one script call for both, on the full path (the others took the fast one).
    const pair = await Promise.all([
      allocator.mallocKey({ timeout: 30 }),
      allocator.mallocKey({ timeout: 30 }),
    ]);
    expect(pair).toEqual(['b', 'c']);
    expect(await timeCalls(), 'a calibrated malloc still read TIME').toBe(before + 1);
  });

  it('deadlines written from the estimate match the server clock', async () => {
    const allocator = new RedisAllocator(own.redis, uniquePrefix('clock'));
    await allocator.extend(['a', 'b']);
    await allocator.mallocKey({ timeout: 30 }); // calibrates
    const before = await serverMs();
    const calls = await timeCalls();
    const key = await allocator.mallocKey({ timeout: 30 });
    const after = await serverMs();
    expect(await timeCalls()).toBe(calls + 1); // the test's own TIME after the malloc, none by it
    const deadline = Number(await own.redis.zscore(allocator.redisKeys.deadlines, key!));
    // Round-trip halves on loopback: well within 50 ms of the lock's real end.
    expect(deadline).toBeGreaterThanOrEqual(before + 30_000 - 50);
    expect(deadline).toBeLessThanOrEqual(after + 30_000 + 50);
  });

  it('a waiting malloc answered at once calibrates the estimate like any malloc', async () => {
    const allocator = new RedisAllocator(own.redis, uniquePrefix('clock'));
    await allocator.extend(['a', 'b']);
    const lease = await allocator.acquireLease({ timeout: 30, wait: 1 });
    expect(lease?.key).toBe('a');
    const calls = await timeCalls();
    expect((await allocator.acquireLease({ timeout: 30, wait: 1 }))?.key).toBe('b');
    expect(await timeCalls()).toBe(calls);
    await allocator.close();
  });
});

describe('the contended path counts from the estimate too', () => {
  it('a queueing malloc and the release that hands its key over read no TIME once calibrated', async () => {
    const prefix = uniquePrefix('clock');
    const holder = new RedisAllocator(own.redis, prefix);
    // No drain during the test: its once-a-second step reads TIME by design.
    const waiter = new RedisAllocator(own.redis, prefix, { drainInterval: 3600 });
    await holder.extend(['only']);
    await waiter.releaseLease((await waiter.acquireLease({ timeout: 30 }))!); // calibrates the waiter
    const held = (await holder.acquireLease({ timeout: 30 }))!; // calibrates the holder
    const calls = await timeCalls();
    const waiting = waiter.acquireLease({ timeout: 30, wait: 10 }); // queues
    while ((await waiter.queueLength()) === 0) await new Promise((r) => setTimeout(r, 5));
    const before = await serverMs();
    await holder.releaseLease(held); // hands the key over through the waiter's mailbox
    const lease = (await waiting)!;
    const after = await serverMs();
    expect(lease.key).toBe('only');
    expect(await timeCalls(), 'queueing or handing over read TIME').toBe(calls + 2); // the test's own two
    const deadline = Number(await own.redis.zscore(holder.redisKeys.deadlines, 'only'));
    expect(deadline).toBeGreaterThanOrEqual(before + 30_000 - 50);
    expect(deadline).toBeLessThanOrEqual(after + 30_000 + 50);
    await waiter.close();
  });
});

describe('RedisClock', () => {
  it('has no estimate before a sample, so the script reads TIME', () => {
    expect(new RedisClock(() => 1_000).estimateMs()).toBe('');
  });

  it('estimates the server time from the midpoint of the sampled round trip', () => {
    let local = 1_000;
    const clock = new RedisClock(() => local);
    const sentAt = clock.sent();
    local = 1_010; // a 10 ms round trip; the server read 50 000 ms at its middle
    clock.observe(50_000, sentAt);
    local = 2_000;
    expect(clock.estimateMs()).toBe(50_000 + (2_000 - 1_005));
  });

  it('ignores a sample whose round trip was too slow to trust', () => {
    let local = 0;
    const clock = new RedisClock(() => local);
    const sentAt = clock.sent();
    local = 500;
    clock.observe(1_000_000, sentAt);
    expect(clock.estimateMs()).toBe('');
  });

  it('asks for a fresh sample once the estimate is a minute old', () => {
    let local = 0;
    const clock = new RedisClock(() => local);
    clock.observe(10_000, clock.sent());
    local = 59_000;
    expect(clock.estimateMs()).toBe(69_000);
    local = 61_000;
    expect(clock.estimateMs()).toBe('');
  });
});
