/** Shared checks of the waiting tests: what a waiter may leave in Redis, and queue polling. */
import { expect } from 'vitest';
import type { Lease, RedisAllocatorCore } from '../../../src/index.js';
import { rawClient, sleep } from '../../helpers/redis.js';

/** Number of tickets queued in the pool. */
export async function queued(allocator: RedisAllocatorCore): Promise<number> {
  return rawClient(allocator).zcard(allocator.redisKeys.waiters);
}

/** Resolves once `count` tickets are queued (waits are asynchronous: the script runs later). */
export async function untilQueued(allocator: RedisAllocatorCore, count: number, seconds = 10): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while ((await queued(allocator)) < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} tickets queued after ${seconds} s`);
    await sleep(0.005);
  }
}

/** Holds every key of a fresh pool of `keys`, one lease each, in order; returns the leases. */
export async function exhausted(pool: RedisAllocatorCore, keys: string[]): Promise<Lease[]> {
  await pool.extend(keys);
  const leases: Lease[] = [];
  for (const _ of keys) leases.push((await pool.acquireLease({ timeout: 60 }))!);
  return leases;
}

/** No queue entry, no ticket data, no undelivered hand-off left anywhere in the pool. */
export async function expectNothingLeft(allocator: RedisAllocatorCore): Promise<void> {
  const redis = rawClient(allocator);
  const { waiters, tickets, mailboxPrefix } = allocator.redisKeys;
  expect(await redis.zcard(waiters)).toBe(0);
  expect(await redis.hlen(tickets)).toBe(0);
  const mailboxes = await redis.keys(`${mailboxPrefix.replace(/[*?[\]]/g, '\\$&')}*`);
  for (const mailbox of mailboxes) expect(await redis.llen(mailbox)).toBe(0);
}

/** Settles with what a promise settled to, never throws: for asserting on rejections later. */
export function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
