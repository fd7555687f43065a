/**
 * The waiter-queue invariants (WAIT-1 … WAIT-3) hold on a live queue and catch each deliberate
 * corruption: malformed or orphaned queue entries, a queued ticket that also holds a key, and a
 * key that is both free and handed off.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { checkInvariants, RedisAllocator, takeSnapshot } from '../../src/index.js';
import { untilQueued } from '../allocator/waiting/helpers.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';

const redis = testClient();
const allocators: RedisAllocator[] = [];
afterAll(async () => {
  await Promise.all(allocators.map((allocator) => allocator.close()));
});

/** A pool with its only key held and two waiters queued. */
async function queuedPool() {
  const pool = new RedisAllocator(redis, uniquePrefix('wait-inv'));
  allocators.push(pool);
  await pool.extend(['a', 'b']);
  await pool.acquireLease({ timeout: 60 });
  await pool.acquireLease({ timeout: 60 });
  void pool.acquireLease({ wait: 60 }).catch(() => {});
  void pool.acquireLease({ wait: 60, priority: 3 }).catch(() => {});
  await untilQueued(pool, 2);
  return pool;
}

async function violations(pool: RedisAllocator, instances: string[] = []) {
  return checkInvariants(await takeSnapshot(pool, { instances }), { shared: false });
}

describe('waiter-queue invariants', () => {
  it('a live queue with waiters of several priorities is sound', async () => {
    const pool = await queuedPool();
    const snapshot = await takeSnapshot(pool);
    expect(snapshot.waiting?.queue).toHaveLength(2);
    expect(checkInvariants(snapshot, { shared: false })).toEqual([]);
  });

  it('WAIT-1 catches a malformed queue member and ticket data without a queue entry', async () => {
    const pool = await queuedPool();
    const { waiters, tickets } = pool.redisKeys;
    await redis.zadd(waiters, 0, 'not-a-member');
    await redis.hset(tickets, 'ghost:1', '000000000000099|ghost:1|ghost|tok|1000|0|1|');
    const found = await violations(pool);
    expect(found.filter((v) => v.invariant === 'WAIT-1').map((v) => v.message)).toEqual([
      'queue member "not-a-member" is not "<arrival>|<ticket>|<instance>|<token>|<ttlMs>|<bindTtlMs>|<queuedAtMs>|<name>"',
      'ticket data "ghost:1" has no queue entry',
    ]);
  });

  it('WAIT-1 catches ticket data that differs from its queue entry', async () => {
    const pool = await queuedPool();
    const { waiters, tickets } = pool.redisKeys;
    const [member] = await redis.zrange(waiters, 0, 0);
    const ticket = member!.split('|')[1]!;
    await redis.hset(tickets, ticket, member!.replace(/\|$/, '|renamed'));
    const found = await violations(pool);
    expect(found.filter((v) => v.invariant === 'WAIT-1').map((v) => v.message)).toEqual([
      `ticket "${ticket}" has data ${JSON.stringify(`${member}renamed`)} but is queued as ${JSON.stringify(member)}`,
    ]);
  });

  it('WAIT-2 catches a queued ticket that also holds a key', async () => {
    const pool = await queuedPool();
    const data = await redis.hvals(pool.redisKeys.tickets);
    const token = data[0]!.split('|')[3]!;
    await redis.set(`${pool.redisKeys.lockPrefix}a`, `${token}@7`);
    const found = await violations(pool);
    expect(found.map((v) => v.invariant)).toContain('WAIT-2');
  });

  it('WAIT-3 catches a key that is both on the free list and handed off', async () => {
    const pool = new RedisAllocator(redis, uniquePrefix('wait-inv'));
    await pool.extend(['a']);
    const { mailboxPrefix, lockPrefix } = pool.redisKeys;
    await redis.rpush(`${mailboxPrefix}dead-instance`, 'dead-instance:1|7|tok|a');
    await redis.set(`${lockPrefix}a`, 'tok@7');
    const found = await violations(pool, ['dead-instance']);
    expect(found.filter((v) => v.invariant === 'WAIT-3').map((v) => v.message)).toEqual([
      'key "a" is on the free list and handed off to ticket "dead-instance:1"',
    ]);
  });
});
