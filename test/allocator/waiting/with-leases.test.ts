/**
 * Waiting (DESIGN.md §10) together with the lease features (§11): a hand-off is an exclusive
 * allocation and takes a fence, keys resting under a cooldown reach waiters through the deadline
 * index, `using()` forwards `wait`/`priority`/`signal`, and one `close()` ends both keep-alive and
 * the waits in progress. Against a real Redis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AllocatorClosedError, NoResourceError, RedisAllocator } from '../../../src/index.js';
import { libraryClient } from '../../helpers/clients.js';
import { uniquePrefix } from '../../helpers/redis.js';
import { expectSound } from '../helpers.js';
import { exhausted, expectNothingLeft, untilQueued } from './helpers.js';

const redis = libraryClient();
const open: RedisAllocator[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((allocator) => allocator.close()));
});

function allocator(prefix: string) {
  const made = new RedisAllocator(redis, prefix);
  open.push(made);
  return made;
}

describe('a hand-off is fenced', () => {
  it("a waiter's fence is greater than the fence of the allocation before it, and the next one's greater still", async () => {
    const pool = allocator(uniquePrefix('wait-fence'));
    const [a, b] = await exhausted(pool, ['a', 'b']);
    expect(b!.fence).toBeGreaterThan(a!.fence);
    const waiting = pool.malloc({ wait: 30, timeout: 60 });
    await untilQueued(pool, 1);
    await pool.releaseLease(a!);
    const obj = await waiting;
    expect(obj?.key).toBe('a');
    // The object carries the fence the hand-off took: one more than the last allocation's.
    expect(obj!.fence).toBe(b!.fence + 1);
    await obj!.release();
    const after = await pool.acquireLease({ timeout: 60 });
    expect(after!.fence).toBeGreaterThan(obj!.fence);
    await pool.releaseLease(after!);
    await pool.releaseLease(b!);
    await expectNothingLeft(pool);
    await expectSound(pool);
  });

  it('waiters of two instances get distinct, increasing fences', async () => {
    const prefix = uniquePrefix('wait-fences');
    const first = allocator(prefix);
    const second = allocator(prefix);
    const [held] = await exhausted(first, ['only']);
    const waits = [first.acquireLease({ wait: 30 }), second.acquireLease({ wait: 30 })];
    await untilQueued(first, 2);
    await first.releaseLease(held!);
    const one = (await waits[0])!;
    await first.releaseLease(one);
    const two = (await waits[1])!;
    expect([one.fence, two.fence]).toEqual([held!.fence + 1, held!.fence + 2]);
    await second.releaseLease(two);
    await expectNothingLeft(first);
  });
});

describe('keys coming back through the deadline index', () => {
  it('a key released with a cooldown reaches the waiter once the cooldown ends', async () => {
    const pool = allocator(uniquePrefix('wait-cool'));
    const [held] = await exhausted(pool, ['only']);
    const waiting = pool.acquireLease({ wait: 30, timeout: 60 });
    await untilQueued(pool, 1);
    const released = performance.now();
    expect(await pool.releaseLease(held!, { cooldown: 0.3 })).toBe(true);
    const lease = await waiting;
    expect(lease?.key).toBe('only');
    // Not before the cooldown (a little slack for timer granularity), fenced after the holder.
    expect(performance.now() - released).toBeGreaterThanOrEqual(250);
    expect(lease!.fence).toBeGreaterThan(held!.fence);
    await pool.releaseLease(lease!);
    await expectNothingLeft(pool);
    await expectSound(pool);
  });
});

describe('using() waits', () => {
  it('using({ wait }) waits for a released key', async () => {
    const pool = allocator(uniquePrefix('using-wait'));
    const [held] = await exhausted(pool, ['only']);
    const result = pool.using({ wait: 30, timeout: 10 }, async (obj, signal) => {
      expect(signal.aborted).toBe(false);
      return `${obj.key}@${obj.fence}`;
    });
    await untilQueued(pool, 1);
    await pool.releaseLease(held!);
    expect(await result).toBe(`only@${held!.fence + 1}`);
    expect(await pool.getFreeList()).toEqual(['only']); // using() released it
    await expectNothingLeft(pool);
  });

  it('using() rejects with NoResourceError when wait runs out, leaving no ticket behind', async () => {
    const pool = allocator(uniquePrefix('using-timeout'));
    const [held] = await exhausted(pool, ['only']);
    let ran = false;
    const started = performance.now();
    await expect(
      pool.using({ wait: 0.2, timeout: 10 }, async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(NoResourceError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(ran).toBe(false);
    await expectNothingLeft(pool);
    await pool.releaseLease(held!);
  });

  it("using()'s signal aborts its wait, and priority is forwarded", async () => {
    const pool = allocator(uniquePrefix('using-prio'));
    const [held] = await exhausted(pool, ['only']);
    const controller = new AbortController();
    const aborted = pool.using({ wait: 30, signal: controller.signal }, async () => 'never');
    await untilQueued(pool, 1);
    const low = pool.using({ wait: 30, priority: 0 }, async (obj) => `low:${obj.key}`);
    await untilQueued(pool, 2);
    const high = pool.using({ wait: 30, priority: 5 }, async (obj) => `high:${obj.key}`);
    await untilQueued(pool, 3);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    const order: string[] = [];
    const done = [high.then((r) => order.push(r)), low.then((r) => order.push(r))];
    await pool.releaseLease(held!);
    await Promise.all(done);
    expect(order).toEqual(['high:only', 'low:only']);
    await expectNothingLeft(pool);
  });
});

describe('one close()', () => {
  it('stops keep-alive (holders are told) and ends the waits in progress', async () => {
    const pool = allocator(uniquePrefix('close-both'));
    await pool.extend(['only']);
    const obj = (await pool.malloc({ timeout: 10, keepAlive: true }))!;
    const waiting = pool.acquireLease({ wait: 30 }).catch((error: unknown) => error);
    await untilQueued(pool, 1);
    await pool.close();
    expect(obj.signal.aborted).toBe(true);
    expect(await waiting).toBeInstanceOf(AllocatorClosedError);
    await expectNothingLeft(pool);
    // The lease itself is left to its holder: release still works after close.
    expect(await obj.release()).toBe(true);
    expect(await pool.getFreeList()).toEqual(['only']);
  });

  it('await using closes the allocator', async () => {
    const prefix = uniquePrefix('close-dispose');
    let waiting: Promise<unknown> | undefined;
    let obj: Awaited<ReturnType<RedisAllocator['malloc']>> = null;
    {
      await using pool = new RedisAllocator(redis, prefix);
      await pool.extend(['only']);
      obj = await pool.malloc({ timeout: 10, keepAlive: true });
      waiting = pool.acquireLease({ wait: 30 }).catch((error: unknown) => error);
      await untilQueued(pool, 1);
    }
    expect(obj!.signal.aborted).toBe(true);
    expect(await waiting).toBeInstanceOf(AllocatorClosedError);
    await obj!.release();
  });
});
