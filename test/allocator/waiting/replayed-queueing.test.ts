/**
 * A waiting malloc that reaches Redis twice — ioredis re-sends commands that were in flight when a
 * connection dropped (`autoResendUnfulfilledCommands`), and a restart with AOF keeps the first
 * one — queues its ticket once, in its first place. The fault suite found a ticket queued twice
 * after a SIGKILL + AOF restart (WAIT-1), its data pointing at the second entry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../src/diagnostics/invariants.js';
import { takeSnapshot } from '../../../src/diagnostics/snapshot.js';
import { RedisAllocator } from '../../../src/index.js';
import { testClient, uniquePrefix } from '../../helpers/redis.js';
import { expectNothingLeft, queued, untilQueued } from './helpers.js';

const open: RedisAllocator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((allocator) => allocator.close()));
});

/** Ticket ids are `<instance>:<n>`: a script call that carries one is a waiting malloc. */
const TICKET = /^[0-9a-f]+:\d+$/;

describe('a waiting malloc sent twice', () => {
  it('queues its ticket once, keeps its place, and is served once', async () => {
    const client = testClient();
    // The client under test sends every waiting malloc twice, as a reconnecting ioredis replays it.
    const replaying = testClient();
    const call = replaying.call.bind(replaying) as (...args: unknown[]) => Promise<unknown>;
    (replaying as unknown as { call: typeof call }).call = (...args: unknown[]) => {
      if (args.some((arg) => typeof arg === 'string' && TICKET.test(arg))) void call(...args).catch(() => {});
      return call(...args);
    };
    const prefix = uniquePrefix('replayed-queueing');
    const holder = new RedisAllocator(client, prefix);
    const waiter = new RedisAllocator(replaying, prefix);
    const later = new RedisAllocator(client, prefix);
    open.push(holder, waiter, later);
    await holder.extend(['k']);
    const held = await holder.malloc({ timeout: 30 });
    expect(held).not.toBeNull();

    const first = waiter.mallocKey({ wait: 10, timeout: 30 });
    first.catch(() => undefined); // asserted below; a failed check before must not leave it unhandled
    await untilQueued(waiter, 1);
    const second = later.mallocKey({ wait: 10, timeout: 30 });
    second.catch(() => undefined);
    await untilQueued(later, 2);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the replay has landed by now
    expect(await queued(holder)).toBe(2);
    expect(checkInvariants(await takeSnapshot(holder), { shared: false })).toEqual([]);

    await held?.release();
    expect(await first).toBe('k'); // its first place: ahead of the later waiter
    await holder.freeKeys(['k']);
    expect(await second).toBe('k');
    await holder.freeKeys(['k']);
    await expectNothingLeft(holder);
  }, 30_000);
});
