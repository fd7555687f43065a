/**
 * Keep-alive and loss reporting (DESIGN.md §11) on a private redis-server of this file alone: the
 * tests count script calls with INFO commandstats and pause the server with DEBUG SLEEP, neither of
 * which may disturb (or be disturbed by) other test files.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DefaultRedisAllocatorPolicy,
  LeaseLostError,
  RedisAllocator,
  type RedisAllocatorObject,
} from '../../src/index.js';
import { type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';
import { sleep, uniquePrefix } from '../helpers/redis.js';

let server: PrivateRedisServer;
let redis: Redis;
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
  admin = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  admin?.disconnect();
  await server?.stop();
});

async function pool(size: number): Promise<RedisAllocator> {
  // GC off: only keep-alive's own script calls run while the tests count them.
  const allocator = new RedisAllocator(redis, uniquePrefix('keepalive'), {
    policy: new DefaultRedisAllocatorPolicy({ gcCount: 0 }),
  });
  const keys = Array.from({ length: size }, (_, i) => `k${i}`);
  for (let i = 0; i < keys.length; i += 1000) await allocator.extend(keys.slice(i, i + 1000));
  return allocator;
}

async function scriptCalls(): Promise<number> {
  const text = await admin.info('commandstats');
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(text)?.[1] ?? 0);
  return calls('evalsha') + calls('eval');
}

function lockKey(allocator: RedisAllocator, key: string): string {
  return allocator.redisKeys.lockPrefix + key;
}

function lossOf(obj: RedisAllocatorObject): LeaseLostError | undefined {
  return obj.signal.aborted ? (obj.signal.reason as LeaseLostError) : undefined;
}

describe('keep-alive', () => {
  it.each([1, 100, 1000])(
    'renews %i kept-alive leases with one script call per interval and keeps them all',
    async (count) => {
      const allocator = await pool(count);
      const objs: RedisAllocatorObject[] = [];
      for (let i = 0; i < count; i++) {
        objs.push((await allocator.malloc({ timeout: 1.5, keepAlive: true, renewEvery: 0.5 }))!);
      }
      await admin.config('RESETSTAT');
      const start = performance.now();
      await sleep(3); // two lease timeouts, about six renewal intervals
      const calls = await scriptCalls();
      const intervals = (performance.now() - start) / 500;
      expect(calls / intervals).toBeLessThanOrEqual(1.35);
      expect(calls).toBeGreaterThanOrEqual(3);
      const pttls = await Promise.all(objs.map((obj) => redis.pttl(lockKey(allocator, obj.key))));
      expect(pttls.every((pttl) => pttl > 0)).toBe(true);
      expect(objs.every((obj) => !obj.signal.aborted)).toBe(true);
      await Promise.all(objs.map((obj) => obj.release()));
      allocator.close();
    },
    30_000,
  );

  it('stops renewing at maxHold, after which the lease ends and is reported expired', async () => {
    const allocator = await pool(1);
    const sentAt = performance.now();
    const obj = (await allocator.malloc({ timeout: 1, keepAlive: true, renewEvery: 0.25, maxHold: 1.5 }))!;
    await sleep(1.2);
    expect(await redis.get(lockKey(allocator, obj.key))).toBe(obj.token); // past its timeout: kept
    const lost = await obj.lost;
    expect(lost.reason).toBe('expired');
    // Renewals stopped at maxHold: the last one (<= 1.5 s) plus the 1 s lease, minus the margin.
    expect(performance.now() - sentAt).toBeLessThan(1500 + 1000 + 1000);
    await sleep(0.3);
    expect(await redis.exists(lockKey(allocator, obj.key))).toBe(0);
    allocator.close();
  });

  it('stopKeepAlive stops the renewals and the lease runs out at its timeout', async () => {
    const allocator = await pool(1);
    const obj = (await allocator.malloc({ timeout: 0.8, keepAlive: true }))!;
    expect(obj.keptAlive).toBe(true);
    obj.stopKeepAlive();
    expect(obj.keptAlive).toBe(false);
    expect((await obj.lost).reason).toBe('expired');
    await sleep(0.2);
    expect(await redis.exists(lockKey(allocator, obj.key))).toBe(0);
    allocator.close();
  });

  it('never re-acquires a lost lease: a renewal that finds the lock gone reports expired', async () => {
    const allocator = await pool(1);
    const obj = (await allocator.malloc({ timeout: 2, keepAlive: true, renewEvery: 0.2 }))!;
    await redis.del(lockKey(allocator, obj.key));
    const lost = await obj.lost;
    expect(lost).toBeInstanceOf(LeaseLostError);
    expect(lost.name).toBe('LeaseLostError');
    expect(lost.reason).toBe('expired');
    expect(lost.key).toBe(obj.key);
    expect(lossOf(obj)).toBe(lost);
    await sleep(0.5);
    expect(await redis.exists(lockKey(allocator, obj.key))).toBe(0);
    expect(await obj.release()).toBe(false); // nothing left to free
    allocator.close();
  });

  it('a renewal that finds another value in the lock reports taken and leaves that value alone', async () => {
    const allocator = await pool(1);
    const obj = (await allocator.malloc({ timeout: 2, keepAlive: true, renewEvery: 0.2 }))!;
    await redis.set(lockKey(allocator, obj.key), 'someone-else', 'PX', 5000);
    expect((await obj.lost).reason).toBe('taken');
    expect(await redis.get(lockKey(allocator, obj.key))).toBe('someone-else');
    const pttl = await redis.pttl(lockKey(allocator, obj.key));
    expect(pttl).toBeGreaterThan(3000); // never extended by the old holder
    allocator.close();
  });

  it('release aborts the signal with released and resolves lost', async () => {
    const allocator = await pool(1);
    const obj = (await allocator.malloc({ timeout: 5, keepAlive: true }))!;
    expect(obj.signal.aborted).toBe(false);
    await obj.release();
    expect(lossOf(obj)?.reason).toBe('released');
    expect((await obj.lost).reason).toBe('released');
    expect(allocator.leaseKeeper.size).toBe(0);
    allocator.close();
  });

  it('keepAlive() on a released object rejects with the LeaseLostError', async () => {
    const allocator = await pool(1);
    const obj = (await allocator.malloc({ timeout: 5 }))!;
    await obj.release();
    await expect(obj.keepAlive()).rejects.toMatchObject({ name: 'LeaseLostError', reason: 'released' });
    allocator.close();
  });

  it('a paused Redis makes the signal abort with unreachable before the lease can end there', async () => {
    const allocator = await pool(1);
    const ttlMs = 2000;
    const beforeMalloc = performance.now();
    const obj = (await allocator.malloc({ timeout: ttlMs / 1000, keepAlive: true, renewEvery: 0.4 }))!;
    // The server is stopped for 3.5 s: the renewal at ~0.4 s hangs. The lease's TTL started on
    // the server after `beforeMalloc`, so it cannot end there before beforeMalloc + ttl.
    server.process.kill('SIGSTOP');
    const resumed = sleep(3.5).then(() => server.process.kill('SIGCONT'));
    const [lost, heardAt] = await obj.lost.then((error) => [error, performance.now()] as const);
    expect(lost.reason).toBe('unreachable');
    expect(heardAt).toBeLessThan(beforeMalloc + ttlMs);
    expect(heardAt - beforeMalloc).toBeGreaterThan(ttlMs / 2); // not a false alarm at the first stall
    await resumed;
    // The renewal queued during the pause went through late: the keeper gives that key back.
    await sleep(0.5);
    expect(await redis.exists(lockKey(allocator, obj.key))).toBe(0);
    allocator.close();
  }, 20_000);

  it('assertHeld reports a passed local deadline at once, before any timer has run', async () => {
    const allocator = await pool(2);
    const plain = (await allocator.malloc({ timeout: 0.3 }))!;
    const kept = (await allocator.malloc({ timeout: 0.5, keepAlive: true, renewEvery: 0.15 }))!;
    plain.assertHeld();
    kept.assertHeld();
    // Block the event loop past both deadlines, as a paused process would be: no timer runs.
    const until = performance.now() + 700;
    while (performance.now() < until) {
      /* busy */
    }
    expect(() => plain.assertHeld()).toThrow(expect.objectContaining({ reason: 'expired' }));
    expect(() => kept.assertHeld()).toThrow(expect.objectContaining({ reason: 'unreachable' }));
    expect(lossOf(kept)?.reason).toBe('unreachable'); // the signal aborted in the same instant
    allocator.close();
  });

  it('close() stops every timer, aborts the signals with released, and release() still frees', async () => {
    const allocator = await pool(3);
    const objs = [
      (await allocator.malloc({ timeout: 1, keepAlive: true, renewEvery: 0.2 }))!,
      (await allocator.malloc({ timeout: 1, keepAlive: true, renewEvery: 0.2 }))!,
    ];
    allocator.close();
    expect(objs.map((obj) => lossOf(obj)?.reason)).toEqual(['released', 'released']);
    await admin.config('RESETSTAT');
    await sleep(0.6);
    expect(await scriptCalls()).toBe(0); // no renewal after close
    expect(await objs[0]!.release()).toBe(true);
  });
});
