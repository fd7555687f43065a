/**
 * The report's waiter queue and fence counter against a real Redis: waiters of two allocator
 * instances counted per priority, each ticket's wait from the server time it queued at, a stuck
 * queue recommended on, and nothing written.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { diagnose, RedisAllocator } from '../../src/index.js';
import { untilQueued } from '../allocator/waiting/helpers.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';
import { keyspaceImage } from './helpers.js';

const redis = testClient();
const allocators: RedisAllocator[] = [];
afterAll(async () => {
  await Promise.all(allocators.map((allocator) => allocator.close()));
});

function allocator(prefix: string): RedisAllocator {
  const made = new RedisAllocator(redis, prefix);
  allocators.push(made);
  return made;
}

/** Redis server time in Unix ms. */
async function serverMs(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** A stuck queue: a ticket of an instance that died, queued `agoSeconds` back while keys are free. */
async function stuckPool(label: string, agoSeconds = 0) {
  const pool = allocator(uniquePrefix(label));
  await pool.extend(['a', 'b']);
  const { waiters, tickets } = pool.redisKeys;
  const queuedAt = (await serverMs()) - agoSeconds * 1000;
  const entry = `000000000000001|dead:1|dead|tok|60000|0|${queuedAt}|`;
  await redis.zadd(waiters, -1, entry);
  await redis.hset(tickets, 'dead:1', entry);
  return pool;
}

describe('diagnose: waiters and fence', () => {
  it('counts waiters of two instances per priority, oldest arrival first, beside the fence counter', async () => {
    const prefix = uniquePrefix('waiters');
    const first = allocator(prefix);
    const second = allocator(prefix);
    await first.extend(['only']);
    await first.acquireLease({ timeout: 60 });
    void first.acquireLease({ wait: 60 }).catch(() => {});
    await untilQueued(first, 1);
    void second.acquireLease({ wait: 60, priority: 2 }).catch(() => {});
    await untilQueued(first, 2);
    void first.acquireLease({ wait: 60, priority: 2 }).catch(() => {});
    await untilQueued(first, 3);

    const report = await diagnose(first);
    expect(report.identity.fence).toBe(1);
    const { waiters } = report;
    expect(waiters.count).toBe(3);
    expect(waiters.byPriority).toEqual({ '0': 1, '2': 2 });
    expect(waiters.samples.map((s) => s.priority)).toEqual([0, 2, 2]);
    const instances = waiters.samples.map((s) => s.instance);
    expect(new Set(instances).size).toBe(2);
    expect(instances[0]).toBe(instances[2]);
    for (const sample of waiters.samples) expect(sample.ticket.startsWith(`${sample.instance}:`)).toBe(true);
    expect(report.recommendations.map((r) => r.code)).not.toContain('waiters-stuck');
  });

  it('a single report gives each waiter its wait from the server time it queued at', async () => {
    const pool = allocator(uniquePrefix('waiters-age'));
    await pool.extend(['only']);
    await pool.acquireLease({ timeout: 60 });
    const before = (await serverMs()) / 1000;
    void pool.acquireLease({ wait: 60 }).catch(() => {});
    await untilQueued(pool, 1);
    await sleep(1.2);
    void pool.acquireLease({ wait: 60 }).catch(() => {});
    await untilQueued(pool, 2);

    const { waiters, timestamp } = await diagnose(pool, { sampleLimit: 1 });
    expect(waiters.count).toBe(2);
    expect(waiters.samples).toHaveLength(1);
    const [oldest] = waiters.samples;
    // The queueing time is the client's estimate of the server clock (redis-clock.ts): within a
    // few milliseconds of it.
    expect(oldest!.queuedAt).toBeGreaterThanOrEqual(before - 0.05);
    expect(oldest!.waitedSeconds).toBeCloseTo(timestamp - oldest!.queuedAt!, 6);
    expect(oldest!.waitedSeconds).toBeGreaterThanOrEqual(1.1);
    expect(oldest!.waitedSeconds).toBeLessThan(30);
    expect(waiters.oldestWaitSeconds).toBe(oldest!.waitedSeconds);
  });

  it('a hand-off empties the queue: the released key goes to the first waiter, the fence moves on', async () => {
    const pool = allocator(uniquePrefix('waiters-handoff'));
    await pool.extend(['only']);
    const held = (await pool.acquireLease({ timeout: 60 }))!;
    const waiting = pool.acquireLease({ wait: 60, timeout: 60 });
    await untilQueued(pool, 1);
    expect((await diagnose(pool)).waiters.count).toBe(1);
    await pool.releaseLease(held);
    const got = await waiting;
    expect(got?.key).toBe('only');
    const report = await diagnose(pool);
    expect(report.waiters.count).toBe(0);
    expect(report.waiters.samples).toEqual([]);
    expect(report.identity.fence).toBe(2);
  });

  it('waiters queued while keys are free: waiters-stuck, degraded', async () => {
    const pool = await stuckPool('waiters-stuck');
    const report = await diagnose(pool);
    expect(report.waiters).toMatchObject({ count: 1, byPriority: { '1': 1 } });
    expect(report.waiters.samples[0]).toMatchObject({ ticket: 'dead:1', instance: 'dead', priority: 1 });
    expect(report.recommendations.map((r) => r.code)).toContain('waiters-stuck');
    expect(report.health).toBe('degraded');
  });

  it('a long wait: long-wait', async () => {
    const pool = await stuckPool('waiters-long', 90);
    const report = await diagnose(pool);
    expect(report.waiters.oldestWaitSeconds).toBeGreaterThanOrEqual(90);
    expect(report.recommendations.map((r) => r.code)).toContain('long-wait');
  });

  it('a damaged queue is corrupt with the WAIT invariant named; a chunked read does not judge it', async () => {
    const pool = await stuckPool('waiters-corrupt');
    await redis.hset(pool.redisKeys.tickets, 'ghost:1', '000000000000099|ghost:1|ghost|tok|1000|0|1|');
    const report = await diagnose(pool);
    expect(report.health).toBe('corrupt');
    expect(report.integrity.violations).toEqual([
      { invariant: 'WAIT-1', message: 'ticket data "ghost:1" has no queue entry' },
    ]);
    await pool.extend(Array.from({ length: 600 }, (_, i) => `k${i}`));
    const chunked = await diagnose(pool, { chunkSize: 100 });
    expect(chunked.integrity).toMatchObject({
      consistency: 'chunked',
      ok: true,
      checked: ['INV-3', 'INV-4'],
    });
  });

  it('writes nothing: the queue, tickets and pool are the same before and after', async () => {
    const pool = await stuckPool('waiters-readonly');
    const before = await keyspaceImage(redis, `${pool.prefix}*`);
    const first = await diagnose(pool);
    await diagnose(pool, { previous: first });
    await diagnose(pool, { chunkSize: 1 });
    expect(await keyspaceImage(redis, `${pool.prefix}*`)).toEqual(before);
    expect(Object.keys(before).some((key) => key.endsWith('|waiters'))).toBe(true);
  });

  it('a chunked read reads the queue once, with its first chunk', async () => {
    const pool = await stuckPool('waiters-chunked');
    // Over 512 entries (a smaller hash is a listpack, which HSCAN returns whole in one call).
    await pool.extend(Array.from({ length: 600 }, (_, i) => `k${i}`));
    const report = await diagnose(pool, { chunkSize: 100 });
    expect(report.integrity.consistency).toBe('chunked');
    expect(report.timing.snapshotCalls).toBeGreaterThan(1);
    expect(report.waiters.count).toBe(1);
  });
});
