/**
 * Figure 'lease' (issue 10): what holding a lease costs and how fast a lost one comes back.
 *   1. Fencing + deadline index on the hot path: the uncontended mallocKey+freeKeys pair with the
 *      scripts as they were before issue 10 (bench/baseline/, frozen) against the current ones, raw
 *      EVALSHA with the library's arguments, interleaved in one run: pairs/s and Redis µs per pair
 *      (INFO commandstats); plus the current pair at concurrency 64 against the ceiling.
 *   2. Keep-alive: renew script calls per renewal interval for 1, 100 and 1 000 kept-alive leases of
 *      one allocator (target 1).
 *   3. Prompt return: seconds from a lease's expiry to its key being allocatable again, at pool
 *      sizes 10, 1 000 and 100 000 under a light background malloc load (target median <= 1 s).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { DefaultRedisAllocatorPolicy, RedisAllocator } from 'redis-allocator';
import { composeScript } from '../src/scripts/loader.js';
import type { BenchConfig } from './lib/config.js';
import { interleave, type Operation, throughput } from './lib/measure.js';
import { type BenchRedis, commandStats } from './lib/redis.js';
import { type FigureResult, type Row, ratio } from './lib/report.js';
import { median, quantile } from './lib/stats.js';
import { ceilingPair, fillPool, resourceKeys } from './lib/subjects.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

/** Malloc + free scripts of one version, composed exactly as the loader composes them. */
function scriptPair(dir: string, includeDir: string) {
  const includes = { pool: read(`${includeDir}pool.lua`), 'pool-edit': read(`${includeDir}pool-edit.lua`) };
  return {
    malloc: composeScript('malloc', read(`${dir}malloc.lua`), includes),
    free: composeScript('free', read(`${dir}free.lua`), includes),
  };
}

const VERSIONS = {
  before: scriptPair('./baseline/', './baseline/'),
  after: scriptPair('../src/scripts/allocator/', '../src/scripts/includes/'),
};

/** mallocKey + freeKeys as raw EVALSHA with the library's arguments (`after` adds fence and deadline KEYS). */
async function rawPair(
  client: Redis,
  allocator: RedisAllocator,
  version: 'before' | 'after',
): Promise<Operation> {
  const { malloc, free } = VERSIONS[version];
  const mallocSha = (await client.script('LOAD', malloc)) as string;
  const freeSha = (await client.script('LOAD', free)) as string;
  const k = allocator.redisKeys;
  const mallocKeys = [k.pool, k.head, k.tail, k.gcCursor, k.gcGate];
  const freeKeys = [k.pool, k.head, k.tail];
  if (version === 'after') {
    mallocKeys.push(k.fence, k.deadlines);
    freeKeys.push(k.deadlines);
  }
  let n = 0;
  return async () => {
    const token = `bench:${process.pid}:${n++}`;
    const reply = (await client.evalsha(
      mallocSha,
      mallocKeys.length,
      ...mallocKeys,
      k.lockPrefix,
      '0',
      600_000,
      // `after` takes the client's estimate of the server clock (same machine here: Date.now()).
      ...(version === 'after' ? [Date.now()] : []),
      1,
      token,
    )) as (string | number)[];
    const key = version === 'after' ? reply[1] : reply[0];
    if (typeof key !== 'string') throw new Error('benchmark pool ran dry');
    await client.evalsha(freeSha, freeKeys.length, ...freeKeys, k.lockPrefix, '', key);
  };
}

const scriptUsec = (stats: Awaited<ReturnType<typeof commandStats>>) => stats.evalsha?.usec ?? 0;
const scriptCalls = (stats: Awaited<ReturnType<typeof commandStats>>) =>
  (stats.evalsha?.calls ?? 0) + (stats.eval?.calls ?? 0);

interface PairRun {
  pairsPerSecond: number;
  /** Redis µs per pair (both scripts, inner calls included). */
  usecPerPair: number;
}

async function measurePairs(
  admin: Redis,
  op: Operation,
  concurrency: number,
  seconds: number,
): Promise<PairRun> {
  const before = await commandStats(admin);
  const pairsPerSecond = await throughput(op, concurrency, seconds);
  const after = await commandStats(admin);
  const pairs = (scriptCalls(after) - scriptCalls(before)) / 2;
  return { pairsPerSecond, usecPerPair: pairs > 0 ? (scriptUsec(after) - scriptUsec(before)) / pairs : 0 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function row(label: string, unit: string, samples: readonly number[]): Row {
  return {
    label,
    unit,
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    n: samples.length,
  };
}

export async function runLease(env: BenchRedis, config: BenchConfig, prefix: string): Promise<FigureResult> {
  const started = Date.now();
  const { lease: cfg } = config;
  const client = await env.client();
  const admin = await env.client();
  const rows: Row[] = [];
  const ratios = [];
  const notes: string[] = [];

  // 1. Hot-path cost of the fence INCR and the deadline ZADD/ZREM.
  const pools = {
    before: new RedisAllocator(client, `${prefix}:before`),
    after: new RedisAllocator(client, `${prefix}:after`),
  };
  for (const allocator of Object.values(pools)) await fillPool(allocator, resourceKeys(1000));
  const ops: Record<'before' | 'after' | 'ceiling', Operation> = {
    before: await rawPair(client, pools.before, 'before'),
    after: await rawPair(client, pools.after, 'after'),
    ceiling: await ceilingPair(client, `${prefix}:ceiling`),
  };
  for (const op of Object.values(ops)) await throughput(op, 1, cfg.pairSeconds);
  const c1 = await interleave(['before', 'after'] as const, cfg.pairRounds, (name) =>
    measurePairs(admin, ops[name], 1, cfg.pairSeconds),
  );
  const speed = c1.after.map((run, i) => run.pairsPerSecond / c1.before[i]!.pairsPerSecond);
  const cost = c1.after.map((run, i) => run.usecPerPair / c1.before[i]!.usecPerPair);
  ratios.push(
    ratio(
      'lease/pair-speed',
      'pair pairs/s, after / before (c1)',
      median(speed),
      Math.min(...speed),
      Math.max(...speed),
    ),
    ratio(
      'lease/pair-redis-usec',
      'pair Redis µs, after / before (c1)',
      median(cost),
      Math.min(...cost),
      Math.max(...cost),
    ),
  );
  rows.push(
    row(
      'pair before issue 10 (c1)',
      'pairs/s',
      c1.before.map((r) => r.pairsPerSecond),
    ),
    row(
      'pair with fence + deadline index (c1)',
      'pairs/s',
      c1.after.map((r) => r.pairsPerSecond),
    ),
    row(
      'pair before issue 10, Redis time',
      'µs',
      c1.before.map((r) => r.usecPerPair),
    ),
    row(
      'pair with fence + deadline index, Redis time',
      'µs',
      c1.after.map((r) => r.usecPerPair),
    ),
  );
  const c64 = await interleave(['before', 'after', 'ceiling'] as const, cfg.pairRounds, (name) =>
    measurePairs(admin, ops[name], 64, cfg.pairSeconds),
  );
  for (const version of ['before', 'after'] as const) {
    const vsCeiling = c64[version].map((run, i) => run.pairsPerSecond / c64.ceiling[i]!.pairsPerSecond);
    const label =
      version === 'after'
        ? 'pair with fence + index / ceiling (c64)'
        : 'pair before issue 10 / ceiling (c64)';
    ratios.push(
      ratio(
        `lease/pair-${version}-ceiling@c64`,
        label,
        median(vsCeiling),
        Math.min(...vsCeiling),
        Math.max(...vsCeiling),
      ),
    );
  }

  // 2. Keep-alive: renew calls per interval. GC is off so only keep-alive runs scripts meanwhile.
  for (const count of cfg.keepAliveCounts) {
    const allocator = new RedisAllocator(client, `${prefix}:keep${count}`, {
      policy: new DefaultRedisAllocatorPolicy({ gcCount: 0 }),
    });
    await fillPool(allocator, resourceKeys(count));
    const objs = [];
    for (let i = 0; i < count; i++)
      objs.push(await allocator.malloc({ timeout: 1.5, keepAlive: true, renewEvery: 0.5 }));
    const before = scriptCalls(await commandStats(admin));
    const t0 = performance.now();
    await sleep(cfg.keepAliveSeconds * 1000);
    const calls = scriptCalls(await commandStats(admin)) - before;
    // Renewals of one cadence are an interval apart, so a window of length L holds at most
    // ⌊L / interval⌋ + 1 of them (both ends can fall on one); Node timers may fire a millisecond
    // early, hence the 2 ms of slack. (⌈L / interval⌉ undercounted a window of exactly 3 s: 7/6.)
    const intervals = Math.floor((performance.now() - t0 + 2) / 500) + 1;
    const lost = objs.filter((obj) => obj?.signal.aborted).length;
    ratios.push(
      ratio(
        `lease/keepalive-calls@${count}`,
        `renew calls per interval, ${count} leases`,
        calls / intervals,
        calls / intervals,
        calls / intervals,
      ),
    );
    if (lost > 0) notes.push(`keep-alive ${count}: ${lost} leases lost during the run`);
    await Promise.all(objs.map((obj) => obj?.release()));
    allocator.close();
  }

  // 3. Prompt return under a light background load (one policy malloc+release every 20 ms).
  for (const size of cfg.promptSizes) {
    const allocator = new RedisAllocator(client, `${prefix}:prompt${size}`);
    await fillPool(allocator, resourceKeys(size));
    let running = true;
    const background = (async () => {
      while (running) {
        const obj = await allocator.malloc({ timeout: 30 });
        await obj?.release();
        await sleep(20);
      }
    })();
    const samples: number[] = [];
    const leases = [];
    for (let i = 0; i < cfg.promptSamples; i++) {
      const sentAt = performance.now();
      const obj = await allocator.malloc({ timeout: 1 });
      if (obj) leases.push({ obj, expiresAt: sentAt + 1000 });
      await sleep(1000 / cfg.promptSamples); // spread the expiries over one second
    }
    const { pool, lockPrefix } = allocator.redisKeys;
    const pending = new Set(leases);
    const giveUp = performance.now() + 30_000;
    while (pending.size > 0 && performance.now() < giveUp) {
      for (const lease of [...pending]) {
        const lock = await admin.get(lockPrefix + lease.obj.key);
        if (lock === lease.obj.token) continue; // not expired yet
        const entry = await admin.hget(pool, lease.obj.key);
        // Allocatable again: on the free list, or already handed to someone else.
        if (lock !== null || (entry !== null && !entry.startsWith('#ALLOCATED'))) {
          samples.push(Math.max(0, performance.now() - lease.expiresAt) / 1000);
          pending.delete(lease);
        }
      }
      await sleep(10);
    }
    running = false;
    await background;
    if (pending.size > 0)
      notes.push(`prompt return ${size}: ${pending.size} leases never came back within 30 s`);
    const label = size.toLocaleString('en-US');
    rows.push(row(`prompt return at ${label} keys (median, min, max)`, 's', samples));
    ratios.push(
      ratio(
        `lease/prompt-median@${size}`,
        `prompt return median, ${label} keys (s)`,
        median(samples),
        Math.min(...samples),
        Math.max(...samples),
      ),
      ratio(
        `lease/prompt-p99@${size}`,
        `prompt return p99, ${label} keys (s)`,
        quantile(samples, 0.99),
        Math.min(...samples),
        Math.max(...samples),
      ),
    );
  }

  return {
    id: 'lease',
    title: 'Holding a lease (issue 10): fence + deadline index cost, keep-alive batching, prompt return',
    rows,
    ratios,
    checks: [],
    notes,
    seconds: (Date.now() - started) / 1000,
  };
}
