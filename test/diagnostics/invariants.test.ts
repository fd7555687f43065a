/**
 * The invariant checker must fail on every corruption it claims to detect, or the stress, the
 * concurrency test, the model test and the demo prove nothing. Each corruption below is applied
 * twice: to a hand-built snapshot (the checker alone) and to a real pool through raw Redis
 * commands (snapshot script + decoding + checker).
 *
 * Base pool (both forms): members a, b, c, d; `a` allocated and locked; free list b → c → d.
 */
import { describe, expect, it } from 'vitest';
import {
  checkInvariants,
  decodeEntry,
  type InvariantId,
  type PoolSnapshot,
  RedisAllocator,
  reclaimableKeys,
  takeSnapshot,
} from '../../src/index.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';

/** Raw writes that corrupt the base pool: hash values, pointers, extra locks. */
interface Corruption {
  hset?: Record<string, string>;
  head?: string;
  tail?: string;
  lock?: string[];
}

interface Case {
  name: string;
  corruption: Corruption;
  invariant: InvariantId;
  /** The violation message must match this. */
  message: RegExp;
}

const BASE_ENTRIES: Record<string, string> = {
  a: '#ALLOCATED||#ALLOCATED||-1',
  b: '||c||-1',
  c: 'b||d||-1',
  d: 'c||||-1',
};

const CASES: Case[] = [
  {
    name: 'INV-1: the forward walk loops',
    corruption: { hset: { c: 'b||b||-1' } },
    invariant: 'INV-1',
    message: /next walk from "b" loops at "b"/,
  },
  {
    name: 'INV-1: the forward walk reaches a missing entry',
    corruption: { hset: { c: 'b||ghost||-1' } },
    invariant: 'INV-1',
    message: /next walk reaches missing entry "ghost"/,
  },
  {
    name: 'INV-1: the forward walk differs from the reversed backward walk',
    corruption: { hset: { d: 'b||||-1' } },
    invariant: 'INV-1',
    message: /forward walk \["b", "c", "d"\] != reversed backward walk \["b", "d"\]/,
  },
  {
    name: 'INV-1: a walk reaches an allocated entry',
    corruption: { hset: { c: 'b||a||-1' } },
    invariant: 'INV-1',
    message: /next walk reaches allocated entry "a"/,
  },
  {
    name: 'INV-2: a free entry is not on the free list',
    corruption: { hset: { e: '||||-1' } },
    invariant: 'INV-2',
    message: /free entry "e" is not on the free list/,
  },
  {
    name: 'INV-2: only one pointer is empty',
    corruption: { tail: '' },
    invariant: 'INV-2',
    message: /only one pointer is empty: head "b", tail ""/,
  },
  {
    name: 'INV-2: no free entries but the pointers are set',
    corruption: {
      hset: {
        b: '#ALLOCATED||#ALLOCATED||-1',
        c: '#ALLOCATED||#ALLOCATED||-1',
        d: '#ALLOCATED||#ALLOCATED||-1',
      },
    },
    invariant: 'INV-2',
    message: /no free entries but head "b" \/ tail "d"/,
  },
  {
    name: 'INV-2: the head has no entry',
    corruption: { head: 'ghost' },
    invariant: 'INV-2',
    message: /head "ghost" has no entry/,
  },
  {
    name: 'INV-2: the head has a prev link',
    corruption: { hset: { b: 'd||c||-1' } },
    invariant: 'INV-2',
    message: /head "b" has prev "d"/,
  },
  {
    name: 'INV-2: the tail has no entry',
    corruption: { tail: 'ghost' },
    invariant: 'INV-2',
    message: /tail "ghost" has no entry/,
  },
  {
    name: 'INV-2: the tail has a next link',
    corruption: { hset: { d: 'c||b||-1' } },
    invariant: 'INV-2',
    message: /tail "d" has next "b"/,
  },
  {
    name: 'INV-3: a half-allocated entry',
    corruption: { hset: { a: '#ALLOCATED||||-1' } },
    invariant: 'INV-3',
    message: /entry "a" is half-allocated/,
  },
  {
    name: 'INV-4: a free node holds a live lock (exclusive mode)',
    corruption: { lock: ['c'] },
    invariant: 'INV-4',
    message: /free entry "c" is locked \(exclusive mode\)/,
  },
  {
    name: 'ENCODING: a malformed entry value',
    corruption: { hset: { a: 'garbage' } },
    invariant: 'ENCODING',
    message: /entry "a" has malformed value "garbage"/,
  },
];

/** A snapshot built by hand: the base pool with `corruption` applied. */
function handBuilt(corruption: Corruption): PoolSnapshot {
  const values = { ...BASE_ENTRIES, ...corruption.hset };
  const locked = new Set(['a', ...(corruption.lock ?? [])]);
  const entries = new Map(
    Object.entries(values).map(([key, raw]) => [key, decodeEntry(key, raw, locked.has(key) ? 60_000 : null)]),
  );
  return { head: corruption.head ?? 'b', tail: corruption.tail ?? 'd', now: 1_800_000_000, entries };
}

const redis = testClient();

/** A real pool in the base state, built through the public API. */
async function basePool(shared = false): Promise<RedisAllocator> {
  const allocator = new RedisAllocator(redis, uniquePrefix('invariants'), { shared });
  await allocator.extend(['a', 'b', 'c', 'd']);
  // Both modes: acquireKey locks `a` and takes it off the free list (a quarantine in shared mode).
  expect(await allocator.acquireKey('a', { timeout: 60 })).not.toBeNull();
  expect(await redis.hgetall(allocator.redisKeys.pool)).toEqual(BASE_ENTRIES);
  return allocator;
}

/** Applies `corruption` to a real pool with raw commands, bypassing the library. */
async function corrupt(allocator: RedisAllocator, corruption: Corruption): Promise<void> {
  const { pool, head, tail, lockPrefix } = allocator.redisKeys;
  if (corruption.hset) await redis.hset(pool, corruption.hset);
  if (corruption.head !== undefined) await redis.set(head, corruption.head);
  if (corruption.tail !== undefined) await redis.set(tail, corruption.tail);
  for (const key of corruption.lock ?? []) await redis.set(lockPrefix + key, 'intruder', 'EX', 60);
}

describe('checkInvariants on hand-built snapshots', () => {
  it('a sound pool has no violation', () => {
    expect(checkInvariants(handBuilt({}), { shared: false })).toEqual([]);
  });

  it.each(CASES)('reports $name', ({ corruption, invariant, message }) => {
    const violations = checkInvariants(handBuilt(corruption), { shared: false });
    expect(violations).toContainEqual({ invariant, message: expect.stringMatching(message) });
  });

  it('a lock on a free node is not a violation in shared mode (quarantine, F20)', () => {
    expect(checkInvariants(handBuilt({ lock: ['c'] }), { shared: true })).toEqual([]);
  });
});

describe('checkInvariants on real pools corrupted through raw commands', () => {
  it('the base pool is sound', async () => {
    const allocator = await basePool();
    expect(checkInvariants(await takeSnapshot(allocator), { shared: false })).toEqual([]);
  });

  it.each(CASES)('reports $name', async ({ corruption, invariant, message }) => {
    const allocator = await basePool();
    await corrupt(allocator, corruption);
    const violations = checkInvariants(await takeSnapshot(allocator), { shared: false });
    expect(violations).toContainEqual({ invariant, message: expect.stringMatching(message) });
  });

  it('a quarantined free node in a shared pool is not a violation, but the same pool in exclusive mode is', async () => {
    const allocator = await basePool(true);
    await corrupt(allocator, { lock: ['c'] });
    const snapshot = await takeSnapshot(allocator);
    expect(checkInvariants(snapshot, { shared: true })).toEqual([]);
    expect(checkInvariants(snapshot, { shared: false }).map((v) => v.invariant)).toEqual(['INV-4']);
  });
});

describe('reclaimableKeys (the INV-6 probe set)', () => {
  it('lists an allocated entry without a lock, and neither a locked nor an expired one', () => {
    const snapshot = handBuilt({
      hset: { x: '#ALLOCATED||#ALLOCATED||-1', y: '#ALLOCATED||#ALLOCATED||1700000000' },
    });
    expect(reclaimableKeys(snapshot)).toEqual(['x']);
  });

  it('finds a lease whose lock was deleted on a real pool', async () => {
    const allocator = await basePool();
    expect(reclaimableKeys(await takeSnapshot(allocator))).toEqual([]);
    await redis.del(`${allocator.redisKeys.lockPrefix}a`);
    expect(reclaimableKeys(await takeSnapshot(allocator))).toEqual(['a']);
  });
});
