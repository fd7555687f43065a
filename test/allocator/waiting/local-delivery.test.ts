/**
 * Local delivery: a key released to a waiter of the releasing allocator instance itself comes back
 * in the release reply, not through that instance's mailbox (release.lua, pool.lua handOff). On a
 * private server, so its command statistics count only this file's mailbox writes.
 */
import { describe, expect, it } from 'vitest';
import { RedisAllocator } from '../../../src/index.js';
import { commandCalls, ownServer } from '../../helpers/own-server.js';
import { uniquePrefix } from '../../helpers/redis.js';
import { exhausted, expectNothingLeft, untilQueued } from './helpers.js';

const own = ownServer();

/** Mailbox writes so far (hand-offs posted to an instance's mailbox). */
function mailboxPushes(): Promise<number> {
  return commandCalls(own.redis, 'rpush');
}

describe('local delivery', () => {
  it("a key released to the releasing instance's own waiter skips the mailbox and its liveness check", async () => {
    const allocator = new RedisAllocator(own.redis, uniquePrefix('local'));
    const [held] = await exhausted(allocator, ['a']);
    let granted = false;
    const waiting = allocator.acquireLease({ wait: 5, timeout: 30 }).then((lease) => {
      granted = true;
      return lease;
    });
    await untilQueued(allocator, 1);
    const before = await mailboxPushes();
    const livenessChecks = await commandCalls(own.redis, 'exists');
    expect(await allocator.releaseLease(held!)).toBe(true);
    // Granted from the release reply, before the releaser resumes; its own instance is known to
    // be alive, so no liveness key was read.
    expect(granted).toBe(true);
    expect(await commandCalls(own.redis, 'exists')).toBe(livenessChecks);
    const lease = await waiting;
    expect(lease?.key).toBe('a');
    expect(await mailboxPushes()).toBe(before);
    expect(await own.redis.get(allocator.redisKeys.lockPrefix + 'a')).toBe(lease?.token);
    expect(lease!.fence).toBeGreaterThan(held!.fence);
    await allocator.releaseLease(lease!);
    await expectNothingLeft(allocator);
    await allocator.close();
  });

  it("a key released to another instance's waiter still goes through that instance's mailbox", async () => {
    const prefix = uniquePrefix('local');
    const releaser = new RedisAllocator(own.redis, prefix);
    const waiter = new RedisAllocator(own.redis, prefix);
    const [held] = await exhausted(releaser, ['a']);
    const waiting = waiter.acquireLease({ wait: 5, timeout: 30 });
    await untilQueued(waiter, 1);
    const before = await mailboxPushes();
    await releaser.releaseLease(held!);
    expect((await waiting)?.key).toBe('a');
    expect(await mailboxPushes()).toBe(before + 1);
    await Promise.all([waiter.close(), releaser.close()]);
  });

  it('a coalesced release serves every local waiter in arrival order', async () => {
    const allocator = new RedisAllocator(own.redis, uniquePrefix('local'));
    const held = await exhausted(allocator, ['a', 'b', 'c']);
    const first = allocator.acquireLease({ wait: 5, timeout: 30 });
    await untilQueued(allocator, 1);
    const second = allocator.acquireLease({ wait: 5, timeout: 30 });
    await untilQueued(allocator, 2);
    const before = await mailboxPushes();
    // Same tick: one release script call for the three leases.
    const released = await Promise.all(held.map((lease) => allocator.releaseLease(lease)));
    expect(released).toEqual([true, true, true]);
    expect((await first)?.key).toBe('a');
    expect((await second)?.key).toBe('b');
    expect(await mailboxPushes()).toBe(before);
    expect(await allocator.getFreeList()).toEqual(['c']);
    await allocator.close();
  });

  it('a local waiter that gives up while its key is on the way passes the key on', async () => {
    const allocator = new RedisAllocator(own.redis, uniquePrefix('local'));
    const [held] = await exhausted(allocator, ['a']);
    const controller = new AbortController();
    const giving = allocator.acquireLease({ wait: 5, timeout: 30, signal: controller.signal });
    await untilQueued(allocator, 1);
    const releasing = allocator.releaseLease(held!);
    // The release is written a few microtasks later; the cancel goes out behind it, so Redis hands
    // the key to the ticket first and the reply brings it to a waiter that no longer wants it.
    for (let i = 0; i < 5; i++) await Promise.resolve();
    controller.abort(new Error('no longer needed'));
    expect(await releasing).toBe(true);
    await expect(giving).rejects.toThrow('no longer needed');
    const deadline = Date.now() + 5000;
    while ((await allocator.getFreeList()).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await allocator.getFreeList()).toEqual(['a']);
    expect(await own.redis.exists(allocator.redisKeys.lockPrefix + 'a')).toBe(0);
    await expectNothingLeft(allocator);
    await allocator.close();
  });
});
