/**
 * Coalescing (issue 13): concurrent unnamed exclusive allocations of one allocator instance share
 * one malloc script call, keep FIFO order across the batch and each get their own owner token.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisAllocator } from '../../src/index.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';
import { expectSound, rawPool } from './helpers.js';

/** A client that counts the script calls it sends. */
function countingClient(): { redis: Redis; scriptCalls: () => number } {
  const redis = testClient();
  let calls = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    const name = command.name.toLowerCase();
    if (name === 'evalsha' || name === 'eval') calls++;
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof redis.sendCommand;
  return { redis, scriptCalls: () => calls };
}

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

async function filledPool(redis: Redis, options: { coalesce?: boolean } = {}) {
  const pool = new RedisAllocator(redis, uniquePrefix('coalesce'), options);
  await pool.extend(KEYS);
  await pool.getFreeList(); // loads the scripts: a first EVALSHA may answer NOSCRIPT (+1 EVAL)
  await pool.freeKeys([(await pool.mallocKey())!]);
  await pool.releaseLease((await pool.acquireLease())!);
  return pool;
}

describe('coalesced allocation', () => {
  it('concurrent mallocs of one instance go out as one script call, in call order, each with its own token', async () => {
    const { redis, scriptCalls } = countingClient();
    const pool = await filledPool(redis);
    const order = await pool.getFreeList();
    const before = scriptCalls();
    const leases = await Promise.all(Array.from({ length: 5 }, () => pool.acquireLease({ timeout: 60 })));
    expect(scriptCalls() - before).toBe(1);
    expect(leases.map((lease) => lease!.key)).toEqual(order.slice(0, 5));
    const { locks } = await rawPool(pool);
    for (const lease of leases) expect(locks[lease!.key]).toBe(lease!.token);
    expect(new Set(leases.map((lease) => lease!.token)).size).toBe(5);
    expect(await pool.getFreeList()).toEqual(order.slice(5));
    await expectSound(pool);
  });

  it('a batch larger than the free list serves the first callers and answers null to the rest', async () => {
    const { redis } = countingClient();
    const pool = await filledPool(redis);
    const order = await pool.getFreeList();
    const keys = await Promise.all(Array.from({ length: KEYS.length + 3 }, () => pool.mallocKey()));
    expect(keys.slice(0, KEYS.length)).toEqual(order);
    expect(keys.slice(KEYS.length)).toEqual([null, null, null]);
    await expectSound(pool);
  });

  it('a key someone already holds on the free list is skipped in a batch and stays allocated', async () => {
    const { redis } = countingClient();
    const pool = await filledPool(redis);
    const order = await pool.getFreeList();
    await pool.lock(order[1]!, { timeout: 60 });
    const keys = await Promise.all([pool.mallocKey(), pool.mallocKey()]);
    expect(keys).toEqual([order[0], order[2]]);
    expect(await pool.getFreeList()).toEqual(order.slice(3));
    expect((await rawPool(pool)).entries[order[1]!]).toBe('#ALLOCATED||#ALLOCATED||-1');
  });

  it('calls with different options, named calls and coalesce: false each get their own script call', async () => {
    const { redis, scriptCalls } = countingClient();
    const pool = await filledPool(redis);
    let before = scriptCalls();
    await Promise.all([
      pool.mallocKey({ timeout: 60 }),
      pool.mallocKey({ timeout: 30 }),
      pool.mallocKey({ timeout: 60 }),
      pool.mallocKey({ name: 'worker' }),
    ]);
    expect(scriptCalls() - before).toBe(3);

    const single = await filledPool(redis, { coalesce: false });
    before = scriptCalls();
    const keys = await Promise.all([single.mallocKey(), single.mallocKey(), single.mallocKey()]);
    expect(scriptCalls() - before).toBe(3);
    expect(new Set(keys).size).toBe(3);
  });

  it('a failing batch rejects every caller in it', async () => {
    const { redis } = countingClient();
    const pool = new RedisAllocator(redis, uniquePrefix('coalesce'));
    await redis.set(pool.redisKeys.head, 'a'); // a head whose entry is missing: the script errors
    const results = await Promise.allSettled([pool.mallocKey(), pool.mallocKey(), pool.mallocKey()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });

  it('concurrent frees of one instance go out as one script call and append the keys in call order, each once', async () => {
    const { redis, scriptCalls } = countingClient();
    const pool = await filledPool(redis);
    const taken = await Promise.all(Array.from({ length: 4 }, () => pool.mallocKey()));
    const rest = await pool.getFreeList();
    const before = scriptCalls();
    await Promise.all([
      pool.freeKeys([taken[2]!]),
      pool.freeKeys([taken[0]!, taken[2]!]),
      pool.freeKeys([taken[3]!]),
    ]);
    expect(scriptCalls() - before).toBe(1);
    expect(await pool.getFreeList()).toEqual([...rest, taken[2], taken[0], taken[3]]);
    await expectSound(pool);
  });

  it('one freeKeys call with thousands of keys frees them all (the script works in chunks)', async () => {
    const { redis } = countingClient();
    const pool = new RedisAllocator(redis, uniquePrefix('coalesce'));
    const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
    await pool.extend(keys);
    const taken = await Promise.all(keys.map(() => pool.mallocKey()));
    expect(await pool.getFreeList()).toEqual([]);
    await pool.freeKeys(taken as string[]);
    expect(await pool.getFreeList()).toEqual(taken);
    await expectSound(pool);
  });

  it('concurrent releases share one script call; a stale token and a second release of one lease answer false', async () => {
    const { redis, scriptCalls } = countingClient();
    const pool = await filledPool(redis);
    const [first, second] = await Promise.all([pool.acquireLease(), pool.acquireLease()]);
    const before = scriptCalls();
    const results = await Promise.all([
      pool.releaseLease(first!),
      pool.releaseLease({ key: second!.key, token: 'not-the-token' }),
      pool.releaseLease(first!),
    ]);
    expect(scriptCalls() - before).toBe(1);
    expect(results).toEqual([true, false, false]);
    const { locks } = await rawPool(pool);
    expect(locks[first!.key]).toBeNull();
    expect(locks[second!.key]).toBe(second!.token);
    expect((await pool.getFreeList()).at(-1)).toBe(first!.key);
    await expectSound(pool);
  });
});
