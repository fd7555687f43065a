/**
 * Waiting for a resource (DESIGN.md §10) against a real Redis: fair hand-off across allocator
 * instances, priorities, timeouts and aborts that leave nothing behind, keys coming back by every
 * path, and one blocking connection per instance.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  AllocatorClosedError,
  InvalidArgumentError,
  RedisAllocator,
  type RedisClient,
} from '../../../src/index.js';
import { libraryClient } from '../../helpers/clients.js';
import { rawClient, sleep, testClient, uniquePrefix } from '../../helpers/redis.js';
import { expectSound } from '../helpers.js';
import { exhausted, expectNothingLeft, outcome, queued, untilQueued } from './helpers.js';

const redis = libraryClient();
const open: RedisAllocator[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((allocator) => allocator.close()));
});

function allocator(prefix: string, options: { shared?: boolean; client?: RedisClient } = {}) {
  const made = new RedisAllocator(options.client ?? redis, prefix, { shared: options.shared });
  open.push(made);
  return made;
}

describe('waiting malloc', () => {
  it('answers at once with a free key and opens no blocking connection', async () => {
    const pool = allocator(uniquePrefix('wait'));
    await pool.extend(['a']);
    const started = performance.now();
    expect(await pool.mallocKey({ wait: 5 })).toBe('a');
    expect(performance.now() - started).toBeLessThan(500); // a queued ticket waits for a drain
    // It never queued: a queued ticket marks its instance alive.
    expect(await rawClient(pool).keys(`${pool.redisKeys.alivePrefix}*`)).toEqual([]);
    await expectNothingLeft(pool);
  });

  it('serves waiters of two allocator instances strictly in arrival order', async () => {
    const prefix = uniquePrefix('fifo');
    const second = libraryClient();
    const a = allocator(prefix);
    const b = allocator(prefix, { client: second });
    const [held] = await exhausted(a, ['only']);
    const order: number[] = [];
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      const instance = i % 2 === 0 ? a : b;
      waits.push(
        instance.acquireLease({ wait: 30 }).then(async (lease) => {
          order.push(i);
          await instance.releaseLease(lease!);
        }),
      );
      await untilQueued(a, i + 1);
    }
    await a.releaseLease(held!);
    await Promise.all(waits);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await expectNothingLeft(a);
    await expectSound(a);
  });

  it('serves a higher priority first, equal priorities in arrival order', async () => {
    const pool = allocator(uniquePrefix('prio'));
    const [held] = await exhausted(pool, ['only']);
    const order: string[] = [];
    const waits: Promise<void>[] = [];
    const plan: Array<[string, number]> = [
      ['low-1', 0],
      ['low-2', 0],
      ['high-1', 5],
      ['mid', 1],
      ['high-2', 5],
    ];
    for (const [label, priority] of plan) {
      waits.push(
        pool.acquireLease({ wait: 30, priority }).then(async (lease) => {
          order.push(label);
          await pool.releaseLease(lease!);
        }),
      );
      await untilQueued(pool, order.length + waits.length);
    }
    await pool.releaseLease(held!);
    await Promise.all(waits);
    expect(order).toEqual(['high-1', 'high-2', 'mid', 'low-1', 'low-2']);
    await expectNothingLeft(pool);
  });

  it('a returned key goes to the waiter, never to a newcomer that does not wait', async () => {
    const prefix = uniquePrefix('newcomer');
    const pool = allocator(prefix);
    const other = allocator(prefix, { client: libraryClient() });
    const [held] = await exhausted(pool, ['only']);
    const waiting = pool.acquireLease({ wait: 30 });
    await untilQueued(pool, 1);
    await other.releaseLease(held!);
    expect(await other.mallocKey()).toBeNull();
    const lease = (await waiting)!;
    expect(lease.key).toBe('only');
    expect(await rawClient(pool).get(`${pool.redisKeys.lockPrefix}only`)).toBe(lease.token);
    await expectSound(pool);
  });

  it('a malloc that finds waiters queued answers null when it does not wait, and queues when it does', async () => {
    const pool = allocator(uniquePrefix('queue-first'));
    const [held] = await exhausted(pool, ['only']);
    const first = pool.acquireLease({ wait: 30 });
    await untilQueued(pool, 1);
    expect(await pool.acquireLease()).toBeNull();
    const second = pool.acquireLease({ wait: 30 });
    await untilQueued(pool, 2);
    await pool.releaseLease(held!);
    const firstLease = (await first)!;
    expect(await queued(pool)).toBe(1);
    await pool.releaseLease(firstLease);
    expect((await second)!.key).toBe('only');
  });

  it('hands over keys freed by freeKeys, added by extend, and reclaimed by gc', async () => {
    const pool = allocator(uniquePrefix('paths'));
    await exhausted(pool, ['a']);
    const viaFree = pool.mallocKey({ wait: 30 });
    await untilQueued(pool, 1);
    await pool.freeKeys(['a']);
    expect(await viaFree).toBe('a');

    const viaExtend = pool.mallocKey({ wait: 30 });
    await untilQueued(pool, 1);
    await pool.extend(['b']);
    expect(await viaExtend).toBe('b');

    await rawClient(pool).del(`${pool.redisKeys.lockPrefix}a`); // a lease that ended
    const viaGc = pool.mallocKey({ wait: 30 });
    await untilQueued(pool, 1);
    await pool.gc(10);
    expect(await viaGc).toBe('a');
    expect(await pool.getFreeList()).toEqual([]);
    await expectSound(pool);
  });

  it('a named waiter gets its soft binding pointed at the handed-over key', async () => {
    const pool = allocator(uniquePrefix('bind'));
    const [held] = await exhausted(pool, ['k']);
    const waiting = pool.mallocKey({ wait: 30, name: 'worker-1' });
    await untilQueued(pool, 1);
    await pool.releaseLease(held!);
    expect(await waiting).toBe('k');
    expect(await pool.getSoftBind('worker-1')).toBe('k');
  });

  it('a key whose lease runs out reaches a waiter within about a second', async () => {
    const pool = allocator(uniquePrefix('expiry'));
    await pool.extend(['k']);
    await pool.acquireLease({ timeout: 1 });
    const started = performance.now();
    const lease = await pool.acquireLease({ wait: 30 });
    const afterExpiry = (performance.now() - started) / 1000 - 1;
    expect(lease?.key).toBe('k');
    expect(afterExpiry).toBeLessThan(2.5); // one drain period (1 s) plus a loaded machine's slack
  });

  it('a waiting malloc that finds a lease ended takes its key at once instead of queueing', async () => {
    const pool = allocator(uniquePrefix('due'));
    await pool.extend(['k']);
    await pool.acquireLease({ timeout: 0.2 });
    await sleep(0.4); // the lease ended; no drain runs (nobody waits)
    const started = performance.now();
    const lease = await pool.acquireLease({ wait: 30 });
    expect(lease?.key).toBe('k');
    expect(performance.now() - started).toBeLessThan(500); // a drain would take up to a second
    expect(await queued(pool)).toBe(0);
  });
});

describe('giving up leaves nothing behind', () => {
  it('wait running out resolves null and removes the ticket', async () => {
    const pool = allocator(uniquePrefix('timeout'));
    const [held] = await exhausted(pool, ['only']);
    const started = performance.now();
    expect(await pool.acquireLease({ wait: 0.3 })).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await expectNothingLeft(pool);
    await pool.releaseLease(held!);
    expect(await pool.getFreeList()).toEqual(['only']);
    await expectSound(pool);
  });

  it('abort rejects with the signal reason and removes the ticket', async () => {
    const pool = allocator(uniquePrefix('abort'));
    const [held] = await exhausted(pool, ['only']);
    const controller = new AbortController();
    const waiting = outcome(pool.acquireLease({ wait: Number.POSITIVE_INFINITY, signal: controller.signal }));
    await untilQueued(pool, 1);
    const reason = new Error('user gave up');
    controller.abort(reason);
    expect((await waiting).error).toBe(reason);
    await expectNothingLeft(pool);
    await pool.releaseLease(held!);
    expect(await pool.getFreeList()).toEqual(['only']);
  });

  it('an abort racing the hand-off releases the key again, to the next waiter', async () => {
    // Another instance releases, so every hand-off goes through the waiters' mailbox (a release by
    // the waiters' own instance answers it in the reply: local-delivery.test.ts races that path).
    const prefix = uniquePrefix('race');
    const pool = allocator(prefix);
    const releaser = allocator(prefix);
    const raw = rawClient(pool);
    let [held] = await exhausted(pool, ['only']);
    /** The mailbox reader's connection id, once it is blocked in BLMPOP (it reconnects after a kill). */
    const readerId = async () => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const line = String(await raw.call('CLIENT', 'LIST'))
          .split('\n')
          .find((entry) => entry.includes('cmd=blmpop'));
        if (line !== undefined) return line.match(/id=(\d+)/)![1]!;
        if (Date.now() > deadline) throw new Error('no mailbox reader blocked in BLMPOP');
        await sleep(0.01);
      }
    };
    for (let round = 0; round < 6; round++) {
      const controller = new AbortController();
      const aborted = outcome(pool.acquireLease({ wait: 30, signal: controller.signal }));
      await untilQueued(pool, 1);
      const next = pool.acquireLease({ wait: 30 });
      await untilQueued(pool, 2);
      if (round % 2 === 1) {
        // Cut the mailbox reader off, so the hand-off still sits in the mailbox when the cancel
        // runs (the cancel script then takes it back); in even rounds the reader may have it already.
        await raw.call('CLIENT', 'KILL', 'ID', await readerId());
      }
      // Same connection: the release and the cancel sent by the abort reach Redis in the order
      // they are written, and both before the waiter could see its key.
      const release = releaser.releaseLease(held!);
      controller.abort(new Error(`round ${round}`));
      await release;
      expect((await aborted).error).toEqual(new Error(`round ${round}`));
      held = (await next)!;
      expect(held.key).toBe('only');
      expect(await raw.get(`${pool.redisKeys.lockPrefix}only`)).toBe(held.token);
      await expectNothingLeft(pool);
    }
    await expectSound(pool);
  });

  it('an already-aborted signal rejects at once without touching Redis', async () => {
    const lazy = new Redis(inject('redisUrl'), { lazyConnect: true });
    const pool = allocator(uniquePrefix('pre-aborted'), { client: lazy });
    const reason = new Error('already');
    const signal = AbortSignal.abort(reason);
    await expect(pool.acquireLease({ wait: 5, signal })).rejects.toBe(reason);
    await expect(pool.mallocKey({ signal })).rejects.toBe(reason);
    await expect(pool.malloc({ wait: 1, signal })).rejects.toBe(reason);
    expect(lazy.status).toBe('wait'); // never connected: nothing was sent
    lazy.disconnect();
  });

  it('bad wait, priority or signal is a typed error before any Redis call', async () => {
    const lazy = new Redis(inject('redisUrl'), { lazyConnect: true });
    const pool = allocator(uniquePrefix('bad'), { client: lazy });
    const bad: object[] = [
      { wait: -1 },
      { wait: Number.NaN },
      { wait: '5' },
      { priority: 1.5 },
      { priority: 2 ** 53 },
      { priority: '1' },
      { signal: { aborted: false } },
    ];
    for (const options of bad) {
      await expect(pool.acquireLease(options as never)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(pool.malloc(options as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    for (const drainInterval of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1']) {
      expect(() => new RedisAllocator(lazy, 'p', { drainInterval: drainInterval as number })).toThrow(
        InvalidArgumentError,
      );
    }
    expect(lazy.status).toBe('wait');
    lazy.disconnect();
  });

  it('close ends the waits in progress with AllocatorClosedError and leaves nothing behind', async () => {
    const pool = new RedisAllocator(redis, uniquePrefix('close'));
    const [held] = await exhausted(pool, ['only']);
    const waits = [outcome(pool.acquireLease({ wait: 30 })), outcome(pool.acquireLease({ wait: 30 }))];
    await untilQueued(pool, 2);
    await pool.close();
    for (const waited of await Promise.all(waits)) expect(waited.error).toBeInstanceOf(AllocatorClosedError);
    await expectNothingLeft(pool);
    await pool.releaseLease(held!);
    expect(await pool.getFreeList()).toEqual(['only']);
  });
});

describe('one blocking connection per instance', () => {
  it('many waiters of one instance share one dedicated connection, closed by close()', async () => {
    const counter = testClient();
    const clients = async () => Number((await counter.info('clients')).match(/connected_clients:(\d+)/)![1]);
    const own = testClient();
    await own.ping();
    const pool = new RedisAllocator(own, uniquePrefix('conn'));
    const [held] = await exhausted(pool, ['only']);
    const before = await clients();
    const served: string[] = [];
    const waits = Array.from({ length: 20 }, () =>
      pool.mallocKey({ wait: 30 }).then(async (key) => {
        served.push(key!);
        await pool.freeKeys([key!]);
      }),
    );
    await untilQueued(pool, 20);
    await sleep(0.2);
    expect(await clients()).toBe(before + 1);
    await pool.releaseLease(held!);
    await Promise.all(waits);
    expect(served).toEqual(Array(20).fill('only'));
    await pool.close();
    await sleep(0.2);
    expect(await clients()).toBe(before);
  });
});

describe('liveness of a waiting instance', () => {
  it('the first queueing malloc writes the liveness key; the next ones leave a fresh key alone', async () => {
    const pool = allocator(uniquePrefix('alive'));
    const raw = rawClient(pool);
    const [held] = await exhausted(pool, ['only']);
    const first = outcome(pool.mallocKey({ wait: 0.9 }));
    await untilQueued(pool, 1);
    const [alive] = await raw.keys(`${pool.redisKeys.alivePrefix}*`);
    const fresh = await raw.pttl(alive!);
    expect(fresh).toBeGreaterThan(4000);
    await sleep(0.3); // the mailbox loop's first drain comes after its first one-second read
    const second = outcome(pool.mallocKey({ wait: 0.5 }));
    await untilQueued(pool, 2);
    expect(await raw.pttl(alive!)).toBeLessThanOrEqual(fresh - 250);
    expect((await first).value).toBeNull();
    expect((await second).value).toBeNull();
    await pool.releaseLease(held!);
  });
});

describe('damaged queue entries', () => {
  it('a queue entry whose ticket has no data is dropped by the hand-off, which serves the next waiter', async () => {
    const pool = allocator(uniquePrefix('stale-entry'));
    const raw = rawClient(pool);
    const [held] = await exhausted(pool, ['only']);
    const waiting = pool.acquireLease({ wait: 10 });
    await untilQueued(pool, 1);
    const { waiters, tickets } = pool.redisKeys;
    const [entry] = await raw.zrange(waiters, 0, 0);
    const instance = entry!.split('|')[2]!;
    // First in line (higher priority), of a live instance, but without ticket data.
    await raw.zadd(waiters, -1, `000000000000000|${instance}:ghost|${instance}|tok|60000|0|1|`);
    await pool.releaseLease(held!);
    const lease = await waiting;
    expect(lease!.fence).toBe(held!.fence + 1); // the ghost took no fence, no key
    expect(await raw.hlen(tickets)).toBe(0);
    await pool.releaseLease(lease!);
    await expectNothingLeft(pool);
  });
});

describe('pool changes while waiting', () => {
  it('a waiter on a cleared pool keeps waiting and gets a key added later', async () => {
    const pool = allocator(uniquePrefix('cleared'));
    await exhausted(pool, ['a']);
    const waiting = pool.mallocKey({ wait: 30 });
    await untilQueued(pool, 1);
    await pool.clear();
    await sleep(0.3);
    expect(await queued(pool)).toBe(1);
    await pool.extend(['fresh']);
    expect(await waiting).toBe('fresh');
  });

  it('shared mode: waiters wait while every key is quarantined, then all get the key', async () => {
    const pool = allocator(uniquePrefix('shared'), { shared: true });
    await pool.extend(['s']);
    await pool.lock('s', { timeout: 0.5 }); // quarantine
    expect(await pool.mallocKey()).toBeNull();
    const waits = [pool.mallocKey({ wait: 30 }), pool.mallocKey({ wait: 30 })];
    await untilQueued(pool, 2);
    expect(await Promise.all(waits)).toEqual(['s', 's']);
    expect(await pool.getFreeList()).toEqual(['s']);
    await expectNothingLeft(pool);
    await expectSound(pool);
  });

  it('shared mode: waiters on an empty pool get the first key added', async () => {
    const pool = allocator(uniquePrefix('shared-empty'), { shared: true });
    const waiting = pool.mallocKey({ wait: 30 });
    await untilQueued(pool, 1);
    await pool.extend(['x']);
    expect(await waiting).toBe('x');
    expect(await pool.getFreeList()).toEqual(['x']);
  });
});
