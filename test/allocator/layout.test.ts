/**
 * The Redis layout is byte-compatible with Python redis-allocator (DESIGN.md §3): a Python peer
 * sharing the pool must read exactly these bytes.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { RedisAllocator } from '../../src/index.js';
import { libraryClient } from '../helpers/clients.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';

/** Lock values name their holder and fence: `<host>:<pid>:<12 random base64url chars>@<fence>`. */
const OWNER_TOKEN = new RegExp(`^${hostname()}:${process.pid}:[A-Za-z0-9_-]{12}@[1-9]\\d*$`);

const redis = testClient();
/** The allocators under test run on this run's client family (`REDIS_CLIENT`). */
const library = libraryClient();

async function raw(allocator: RedisAllocator) {
  const { pool, head, tail } = allocator.redisKeys;
  return {
    pool: await redis.hgetall(pool),
    head: await redis.get(head),
    tail: await redis.get(tail),
  };
}

describe('Redis layout', () => {
  it('names every key as P|S|pool, P|S|pool|head/tail/gc_cursor/fence/deadlines, P|S:<key>, P|S-cache:bind:<name>', () => {
    const allocator = new RedisAllocator(library, 'app');
    expect(allocator.redisKeys).toEqual({
      pool: 'app|allocator|pool',
      head: 'app|allocator|pool|head',
      tail: 'app|allocator|pool|tail',
      gcCursor: 'app|allocator|pool|gc_cursor',
      gcGate: 'app|allocator|pool|gc_gate',
      fence: 'app|allocator|pool|fence',
      deadlines: 'app|allocator|pool|deadlines',
      lockPrefix: 'app|allocator:',
      bindPrefix: 'app|allocator-cache:bind:',
      legacyBindPrefix: 'app|allocator:app|allocator-cache:bind:',
      policyLock: 'app|allocator:app|allocator|pool|policy_update_lock',
      waiters: 'app|allocator|pool|waiters',
      tickets: 'app|allocator|pool|tickets',
      waiterArrival: 'app|allocator|pool|waiters_arrival',
      mailboxPrefix: 'app|allocator|pool|mailbox:',
      alivePrefix: 'app|allocator|pool|alive:',
    });
  });

  it('extend writes a doubly linked free list prev||next||-1 with head and tail pointers', async () => {
    const allocator = new RedisAllocator(library, uniquePrefix('layout'));
    await allocator.extend(['a', 'b', 'c']);
    expect(await raw(allocator)).toEqual({
      pool: { a: '||b||-1', b: 'a||c||-1', c: 'b||||-1' },
      head: 'a',
      tail: 'c',
    });
  });

  it('extend with a timeout writes integer expiry = Redis TIME + timeout', async () => {
    const allocator = new RedisAllocator(library, uniquePrefix('layout'));
    const [before] = await redis.time();
    await allocator.extend(['a'], { timeout: 100.2 });
    const [after] = await redis.time();
    const value = (await redis.hget(allocator.redisKeys.pool, 'a'))!;
    const expiry = value.split('||')[2]!;
    expect(expiry).toMatch(/^\d+$/);
    expect(Number(expiry)).toBeGreaterThanOrEqual(Number(before) + 101);
    expect(Number(expiry)).toBeLessThanOrEqual(Number(after) + 101);
  });

  it('exclusive malloc pops the head, marks it #ALLOCATED and locks it with an owner token', async () => {
    const allocator = new RedisAllocator(library, uniquePrefix('layout'));
    await allocator.extend(['a', 'b', 'c']);
    const lease = await allocator.acquireLease({ timeout: 60 });
    expect(lease?.key).toBe('a');
    expect(await raw(allocator)).toEqual({
      pool: { a: '#ALLOCATED||#ALLOCATED||-1', b: '||c||-1', c: 'b||||-1' },
      head: 'b',
      tail: 'c',
    });
    const lockKey = `${allocator.redisKeys.lockPrefix}a`;
    expect(await redis.get(lockKey)).toBe(lease?.token);
    expect(lease?.token).toMatch(OWNER_TOKEN);
    const pttl = await redis.pttl(lockKey);
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('free appends the key at the tail and deletes its lock', async () => {
    const allocator = new RedisAllocator(library, uniquePrefix('layout'));
    await allocator.extend(['a', 'b', 'c']);
    await allocator.mallocKey();
    await allocator.freeKeys(['a']);
    expect(await raw(allocator)).toEqual({
      pool: { a: 'c||||-1', b: '||c||-1', c: 'b||a||-1' },
      head: 'b',
      tail: 'a',
    });
    expect(await redis.exists(`${allocator.redisKeys.lockPrefix}a`)).toBe(0);
  });

  it('shared malloc rotates the head to the tail and writes no lock', async () => {
    const allocator = new RedisAllocator(library, uniquePrefix('layout'), { shared: true });
    await allocator.extend(['a', 'b', 'c']);
    expect(await allocator.mallocKey()).toBe('a');
    expect(await raw(allocator)).toEqual({
      pool: { a: 'c||||-1', b: '||c||-1', c: 'b||a||-1' },
      head: 'b',
      tail: 'a',
    });
    expect(await redis.exists(`${allocator.redisKeys.lockPrefix}a`)).toBe(0);
  });

  it('taking the last free key leaves both pointers empty strings', async () => {
    const allocator = new RedisAllocator(library, uniquePrefix('layout'));
    await allocator.extend(['a']);
    await allocator.mallocKey();
    expect(await raw(allocator)).toEqual({ pool: { a: '#ALLOCATED||#ALLOCATED||-1' }, head: '', tail: '' });
  });

  it('clear deletes the hash and sets both pointers to empty strings', async () => {
    const allocator = new RedisAllocator(library, uniquePrefix('layout'));
    await allocator.extend(['a', 'b']);
    await allocator.clear();
    expect(await raw(allocator)).toEqual({ pool: {}, head: '', tail: '' });
  });

  it('soft binding is stored at P|S-cache:bind:<name> with the binding TTL', async () => {
    const allocator = new RedisAllocator(library, uniquePrefix('layout'));
    await allocator.extend(['a']);
    await allocator.mallocKey({ name: 'worker-1', cacheTimeout: 30 });
    const bindKey = `${allocator.redisKeys.bindPrefix}worker-1`;
    expect(await redis.get(bindKey)).toBe('a');
    expect(await redis.pttl(bindKey)).toBeGreaterThan(29_000);
  });
});
