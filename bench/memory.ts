/**
 * Figure 6: Redis memory per pooled resource (`used_memory` delta / count), beside a bare hash of
 * the same keys (the floor for any hash-based pool), plus the memory one held lease adds, beside
 * one redis-semaphore holder.
 */
import type { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';
import { Semaphore } from 'redis-semaphore';
import type { BenchConfig } from './lib/config.js';
import { type BenchRedis, usedMemory } from './lib/redis.js';
import { type FigureResult, type Row, ratio } from './lib/report.js';
import { fillPool, resourceKeys } from './lib/subjects.js';

const HELD = 10_000;

async function bytesPer(client: Redis, count: number, work: () => Promise<unknown>): Promise<number> {
  const before = await usedMemory(client);
  await work();
  return ((await usedMemory(client)) - before) / count;
}

function row(label: string, bytes: number, n: number): Row {
  return { label, unit: 'bytes', median: bytes, min: bytes, max: bytes, n };
}

export async function runMemory(env: BenchRedis, config: BenchConfig, prefix: string): Promise<FigureResult> {
  const started = Date.now();
  const { count } = config.memory;
  const client = await env.client();
  const keys = resourceKeys(count);
  const allocator = new RedisAllocator(client, `${prefix}:pool`);
  const pooled = await bytesPer(client, count, () => fillPool(allocator, keys));
  const bare = await bytesPer(client, count, async () => {
    for (let i = 0; i < count; i += 1000) {
      await client.hset(`${prefix}:bare`, ...keys.slice(i, i + 1000).flatMap((k) => [k, '1']));
    }
  });
  const lease = await bytesPer(client, HELD, async () => {
    for (let i = 0; i < HELD; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => allocator.mallocKey({ timeout: 600 })));
    }
  });
  const options = { lockTimeout: 600_000, refreshInterval: 0, acquireTimeout: 1000, retryInterval: 1 };
  const holder = await bytesPer(client, HELD, async () => {
    for (let i = 0; i < HELD; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, () =>
          new Semaphore(client, `${prefix}:semaphore`, HELD, options).acquire(),
        ),
      );
    }
  });
  const n = count.toLocaleString('en-US');
  return {
    id: 'memory',
    title: `Redis memory (figure 6): ${n} pooled resources, ${HELD.toLocaleString('en-US')} held leases`,
    rows: [
      row(`pool entry, per resource (${n} resources)`, pooled, count),
      row(`bare hash field "key" → "1", per key (${n} keys)`, bare, count),
      row('held lease (lock key), per lease', lease, HELD),
      row('redis-semaphore holder, per holder', holder, HELD),
    ],
    ratios: [
      ratio(
        'memory/pool-vs-bare',
        'pool memory per resource / bare hash field',
        pooled / bare,
        pooled / bare,
        pooled / bare,
      ),
      ratio(
        'memory/lease-vs-semaphore',
        'held lease / redis-semaphore holder',
        lease / holder,
        lease / holder,
        lease / holder,
      ),
    ],
    checks: [],
    notes: [],
    seconds: (Date.now() - started) / 1000,
  };
}
