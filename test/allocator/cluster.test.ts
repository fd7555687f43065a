/**
 * Redis Cluster: every key of one allocator shares a hash slot (the prefix gets a `{…}` tag when
 * it has none), so every multi-key script runs on a 3-master cluster without CROSSSLOT errors.
 * The prefixes are chosen to land on all three masters (asserted), and each pool is read back by
 * value straight from the master that owns it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toConnection } from '../../src/client/index.js';
import { RedisAllocator, type RedisClient } from '../../src/index.js';
import { type PrivateRedisCluster, startRedisCluster } from '../../tools/redis-server.js';
import { closeLibraryClients, libraryClusterClient } from '../helpers/clients.js';
import { expectSound } from './helpers.js';

let cluster: PrivateRedisCluster;
/** A cluster client of this run's family (`REDIS_CLIENT`). */
let client: RedisClient;
/** A plain connection to each master, for raw reads from the node that owns a slot. */
let masters: Redis[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  client = await libraryClusterClient(cluster.startupNodes);
  masters = cluster.nodes.map((node) => new Redis(node.url));
}, 60_000);

afterAll(async () => {
  await closeLibraryClients();
  await Promise.all(masters.map((master) => master.quit().catch(() => master.disconnect())));
  await cluster?.stop();
});

/** Index (in `masters`) of the master that serves `key`, from the cluster's own slot map. */
async function ownerOf(key: string): Promise<number> {
  const slot = Number(await masters[0]!.call('CLUSTER', 'KEYSLOT', key));
  const ranges = (await masters[0]!.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
  const range = ranges.find(([first, last]) => slot >= first && slot <= last);
  if (range === undefined) throw new Error(`slot ${slot} of ${key} is not served`);
  const port = Number(range[2][1]);
  const index = cluster.nodes.findIndex((node) => node.port === port);
  if (index < 0) throw new Error(`slot ${slot} is served by unknown port ${port}`);
  return index;
}

describe('allocator on Redis Cluster', () => {
  it('a prefix without a hash tag is wrapped in one so all keys share a slot', () => {
    const allocator = new RedisAllocator(client, 'app');
    expect(allocator.redisKeys.pool).toBe('{app}|allocator|pool');
    expect(allocator.redisKeys.lockPrefix).toBe('{app}|allocator:');
    expect(allocator.redisKeys.bindPrefix).toBe('{app}|allocator-cache:bind:');
  });

  it('a prefix that already has a hash tag is kept as given', () => {
    const allocator = new RedisAllocator(client, 'tenant-{42}');
    expect(allocator.redisKeys.pool).toBe('tenant-{42}|allocator|pool');
  });

  it('every pool operation works across a 3-master cluster', async () => {
    const allocators = ['alpha', 'beta', 'gamma', 'delta'].map(
      (prefix) => new RedisAllocator(client, prefix),
    );
    const owners = await Promise.all(allocators.map((allocator) => ownerOf(allocator.redisKeys.pool)));
    expect(new Set(owners).size, `masters of the pools: ${owners.join(', ')}`).toBe(3);
    for (const [i, allocator] of allocators.entries()) {
      const owner = masters[owners[i]!]!;
      const { pool, head, tail, lockPrefix, bindPrefix } = allocator.redisKeys;
      await allocator.extend(['a', 'b', 'c']);
      const lease = (await allocator.acquireLease({ name: 'w', gcCount: 5 }))!;
      expect(lease.key).toBe('a');
      expect(await owner.get(`${lockPrefix}a`)).toBe(lease.token);
      expect(await allocator.renewLease(lease, 30)).toBe(true);
      expect(await owner.pttl(`${lockPrefix}a`)).toBeGreaterThan(20_000);
      await allocator.assign(['a', 'b', 'd']);
      await allocator.shrink(['d']);
      expect(await allocator.releaseLease(lease)).toBe(true);
      await allocator.freeKeys(['b']);
      expect(await allocator.gc(10)).toBe(0);
      expect(await allocator.getFreeList()).toEqual(['b', 'a']);
      expect(await allocator.itemsLockedStatus()).toEqual([
        ['a', false],
        ['b', false],
      ]);
      // The pool lives, whole and by value, on the master that owns its slot.
      expect(await owner.hgetall(pool)).toEqual({ a: 'b||||-1', b: '||a||-1' });
      expect([await owner.get(head), await owner.get(tail)]).toEqual(['b', 'a']);
      await allocator.updateSoftBind('w', 'b');
      expect(await allocator.getSoftBind('w')).toBe('b');
      expect(await owner.get(`${bindPrefix}w`)).toBe('b');
      await allocator.unbindSoftBind('w');
      expect(await allocator.getSoftBind('w')).toBeNull();
      await expectSound(allocator);
      await allocator.clear();
      expect(await owner.exists(pool)).toBe(0);
    }
  });

  it('waiting works across a 3-master cluster: queue order, hand-off, lease expiry, abort', async () => {
    for (const prefix of ['w-alpha', 'w-beta', 'w-gamma']) {
      const allocator = new RedisAllocator(client, prefix);
      const other = new RedisAllocator(client, prefix);
      await allocator.extend(['only']);
      const held = (await allocator.acquireLease({ timeout: 60 }))!;
      const order: string[] = [];
      const first = allocator.acquireLease({ wait: 30 }).then((lease) => {
        order.push('first');
        return lease!;
      });
      await waitUntil(async () => (await allocator.queueLength()) === 1);
      const controller = new AbortController();
      const aborted = other.acquireLease({ wait: 30, signal: controller.signal }).catch((e: unknown) => e);
      await waitUntil(async () => (await allocator.queueLength()) === 2);
      const second = other.acquireLease({ wait: 30, timeout: 1 }).then((lease) => {
        order.push('second');
        return lease!;
      });
      await waitUntil(async () => (await allocator.queueLength()) === 3);
      controller.abort(new Error('gone'));
      expect(await aborted).toEqual(new Error('gone'));
      expect(await allocator.releaseLease(held)).toBe(true);
      expect((await first).key).toBe('only');
      await allocator.releaseLease(await first);
      expect((await second).key).toBe('only'); // its 1 s lease then runs out…
      const third = await allocator.acquireLease({ wait: 30 }); // …and reaches this waiter
      expect(third?.key).toBe('only');
      expect(order).toEqual(['first', 'second']);
      expect(await allocator.queueLength()).toBe(0);
      await expectSound(allocator);
      await Promise.all([allocator.close(), other.close()]);
      await allocator.clear();
    }
  }, 60_000);

  it('a dedicated connection for blocking reads routes by key and closes cleanly', async () => {
    const connection = toConnection(client);
    expect(connection.isCluster).toBe(true);
    const dedicated = await connection.openDedicated();
    const mailbox = '{app}|allocator|pool|mailbox:test';
    const blocked = dedicated.send('BLPOP', [mailbox, 5], mailbox);
    expect(await connection.send('LPUSH', [mailbox, 'ticket|a'], mailbox)).toBe(1);
    expect(await blocked).toEqual([mailbox, 'ticket|a']);
    await dedicated.close();
  });

  it('keep-alive, fences, cooldown and the deadline index work across a 3-master cluster', async () => {
    const allocators = ['lease-a', 'lease-b', 'lease-c'].map((prefix) => new RedisAllocator(client, prefix));
    for (const allocator of allocators) {
      await allocator.extend(['a', 'b']);
      const kept = (await allocator.malloc({ timeout: 0.6, keepAlive: true, renewEvery: 0.15 }))!;
      const fenced = (await allocator.acquireKey('b', { timeout: 30 }))!;
      expect(fenced.fence).toBeGreaterThan(kept.fence);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(kept.signal.aborted).toBe(false); // renewed past its 0.6 s timeout
      expect(await kept.release({ cooldown: 0.3 })).toBe(true);
      expect(await allocator.releaseLease(fenced)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await allocator.gc(5)).toBe(1); // the rested key, popped from the deadline index
      expect((await allocator.getFreeList()).sort()).toEqual(['a', 'b']);
      await expectSound(allocator);
      await allocator.clear();
      allocator.close();
    }
  });
});

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in 20 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
