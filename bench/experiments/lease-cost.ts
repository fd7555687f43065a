/**
 * EXPERIMENT, not part of `npm run bench`: where the Redis time of issue 10's additions to the
 * mallocKey+freeKeys pair goes. Variants of the current scripts with parts stripped, raw EVALSHA,
 * Redis µs per pair from INFO commandstats, rounds interleaved.
 * Run: `npm run build && node --import tsx bench/experiments/lease-cost.ts [rounds]`.
 */
import { readFileSync } from 'node:fs';
import { RedisAllocator } from 'redis-allocator';
import { composeWith } from '../../src/scripts/compose.js';
import { interleave, throughput } from '../lib/measure.js';
import { commandStats, openBenchRedis } from '../lib/redis.js';
import { median } from '../lib/stats.js';
import { fillPool, resourceKeys } from '../lib/subjects.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const compose = (include: string, body: string) => composeWith({ pool: read(include) }, 'x', body);
const NEW = '../../src/scripts/includes/pool.lua';
const OLD = '../baseline/pool.lua';
const newMalloc = read('../../src/scripts/allocator/malloc.lua');
const newFree = read('../../src/scripts/allocator/free.lua');
const variants: Record<string, { malloc: string; free: string; keys: 5 | 7 }> = {
  before: {
    malloc: compose(OLD, read('../baseline/malloc.lua')),
    free: compose(OLD, read('../baseline/free.lua')),
    keys: 5,
  },
  after: { malloc: compose(NEW, newMalloc), free: compose(NEW, newFree), keys: 7 },
  noZrem: {
    malloc: compose(NEW, newMalloc),
    free: compose(NEW, newFree.replace("rcall('ZREM', KEYS[7], item)", '')),
    keys: 7,
  },
  noZadd: {
    malloc: compose(NEW, newMalloc.replace('if lockTtl > 0 then scheduleReturn(item, lockTtl) end', '')),
    free: compose(NEW, newFree),
    keys: 7,
  },
  fenceOnly: {
    malloc: compose(NEW, newMalloc.replace('if lockTtl > 0 then scheduleReturn(item, lockTtl) end', '')),
    free: compose(NEW, newFree.replace("rcall('ZREM', KEYS[7], item)", '')),
    keys: 7,
  },
  noDueClosures: {
    malloc: compose(
      NEW,
      newMalloc
        .replace('  returnDue(DUE_BATCH)\n', '')
        .replace('if not item and not collected and returnDue(DUE_BATCH) > 0 then item = pop() end', ''),
    ),
    free: compose(NEW, newFree),
    keys: 7,
  },
  fenceNoDueNoIndex: {
    malloc: compose(
      NEW,
      newMalloc
        .replace('  returnDue(DUE_BATCH)\n', '')
        .replace('if not item and not collected and returnDue(DUE_BATCH) > 0 then item = pop() end', '')
        .replace('if lockTtl > 0 then scheduleReturn(item, lockTtl) end', ''),
    ),
    free: compose(NEW, newFree.replace("rcall('ZREM', KEYS[7], item)", '')),
    keys: 7,
  },
  noDueNoFence: {
    malloc: compose(
      NEW,
      newMalloc
        .replace('  returnDue(DUE_BATCH)\n', '')
        .replace('if not item and not collected and returnDue(DUE_BATCH) > 0 then item = pop() end', '')
        .replace("return { item, rcall('INCR', KEYS[6]) }", 'return { item, 0 }'),
    ),
    free: compose(NEW, newFree),
    keys: 7,
  },
};
const rounds = Number(process.argv[2] ?? 8);
const env = await openBenchRedis();
const client = await env.client();
const admin = await env.client();
const ops: Record<string, () => Promise<void>> = {};
for (const [name, v] of Object.entries(variants)) {
  const allocator = new RedisAllocator(client, `exp:${name}`);
  await fillPool(allocator, resourceKeys(1000));
  const m = (await client.script('LOAD', v.malloc)) as string;
  const f = (await client.script('LOAD', v.free)) as string;
  const k = allocator.redisKeys;
  const keys = [k.pool, k.head, k.tail, k.gcCursor, k.gcGate, k.fence, k.deadlines].slice(0, v.keys);
  ops[name] = async () => {
    const r = await client.evalsha(
      m,
      keys.length,
      ...keys,
      k.lockPrefix,
      k.bindPrefix,
      '0',
      600000,
      'tok',
      '',
      3600000,
      0,
      0,
    );
    const key = Array.isArray(r) ? (r[0] as string) : (r as string);
    await client.evalsha(f, keys.length, ...keys, k.lockPrefix, '', key);
  };
}
const usec = async () => (await commandStats(admin)).evalsha?.usec ?? 0;
const calls = async () => (await commandStats(admin)).evalsha?.calls ?? 0;
const runs = await interleave(Object.keys(ops), rounds, async (name) => {
  const u0 = await usec();
  const c0 = await calls();
  await throughput(ops[name]!, 1, 0.5);
  return ((await usec()) - u0) / (((await calls()) - c0) / 2);
});
for (const [name, r] of Object.entries(runs)) console.log(name.padEnd(10), median(r).toFixed(2), 'µs/pair');
await env.close();
