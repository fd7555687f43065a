/**
 * Figure 4: latency against pool size. Every operation is measured at each size in the same round
 * (sizes interleaved), and judged as median latency at the largest pool / at the smallest.
 */
import { performance } from 'node:perf_hooks';
import { RedisAllocator } from 'redis-allocator';
import type { BenchConfig } from './lib/config.js';
import { latencies } from './lib/measure.js';
import { type BenchRedis, commandStats, diffStats } from './lib/redis.js';
import { type FigureResult, type Ratio, type Row, ratio } from './lib/report.js';
import { median, summarize } from './lib/stats.js';
import { fillPool, mallocFreePair, resourceKeys } from './lib/subjects.js';

const GC_COUNT = 20;
const BATCH = 10;

/** samples[operation][size] = one array of µs per round. */
type Samples = Record<string, Record<number, number[][]>>;

function record(samples: Samples, op: string, size: number, round: number, values: number[]): void {
  samples[op] ??= {};
  samples[op][size] ??= [];
  samples[op][size][round] ??= [];
  samples[op][size][round].push(...values);
}

async function timed(op: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await op();
  return (performance.now() - t0) * 1000;
}

export async function runScaling(
  env: BenchRedis,
  config: BenchConfig,
  prefix: string,
): Promise<FigureResult> {
  const started = Date.now();
  const { sizes, rounds, pairs, gcCalls, batches, assignRuns, assignSizes } = config.scaling;
  const client = await env.client();
  const admin = await env.client();
  // GC visits whole small (listpack) hashes but about `count` entries of large ones: counting the
  // entries each step visits (one HGET each) separates pool-size cost from amount of work.
  const visited = new Map<number, { entries: number; calls: number }>();
  const pools = new Map<number, RedisAllocator>();
  for (const size of sizes) {
    const allocator = new RedisAllocator(client, `${prefix}:s${size}`);
    await fillPool(allocator, resourceKeys(size));
    pools.set(size, allocator);
  }
  const samples: Samples = {};
  for (const allocator of pools.values()) await latencies(mallocFreePair(allocator), 20); // warm-up

  for (let round = 0; round < rounds; round++) {
    for (const size of sizes) {
      const allocator = pools.get(size)!;
      record(samples, 'pair', size, round, await latencies(mallocFreePair(allocator), pairs));
      const before = await commandStats(admin);
      const gcLatencies = await latencies(() => allocator.gc(GC_COUNT), gcCalls);
      const hget = diffStats(before, await commandStats(admin)).hget?.calls ?? 0;
      const seen = visited.get(size) ?? { entries: 0, calls: 0 };
      visited.set(size, { entries: seen.entries + hget, calls: seen.calls + gcCalls });
      record(samples, 'gc20', size, round, gcLatencies);
      const perEntry = gcLatencies.map((micros) => micros / Math.max(1, hget / gcCalls));
      record(samples, 'gc20PerEntry', size, round, perEntry);
      for (let b = 0; b < batches; b++) {
        const fresh = resourceKeys(BATCH, `x${round}_${b}_`);
        record(samples, 'extend', size, round, [(await timed(() => allocator.extend(fresh))) / BATCH]);
        record(samples, 'shrink', size, round, [(await timed(() => allocator.shrink(fresh))) / BATCH]);
      }
    }
  }

  // assign replaces the whole pool, so it gets pools of its own: two disjoint lists, alternated.
  const assignPools = new Map<number, { allocator: RedisAllocator; lists: [string[], string[]] }>();
  for (const size of assignSizes) {
    const allocator = new RedisAllocator(client, `${prefix}:a${size}`);
    const lists: [string[], string[]] = [resourceKeys(size, 'a'), resourceKeys(size, 'b')];
    await allocator.assign(lists[0]);
    assignPools.set(size, { allocator, lists });
  }
  for (let run = 0; run < assignRuns; run++) {
    for (const size of assignSizes) {
      const { allocator, lists } = assignPools.get(size)!;
      const micros = await timed(() => allocator.assign(lists[(run + 1) % 2]!));
      record(samples, 'assign', size, run, [micros / (2 * size)]); // touched: the old pool + the new list
    }
  }

  const labels: Record<string, string> = {
    pair: 'mallocKey+freeKeys pair',
    gc20: `gc(${GC_COUNT})`,
    gc20PerEntry: `gc(${GC_COUNT}) per visited entry`,
    extend: `extend of ${BATCH} new keys, per key`,
    shrink: `shrink of ${BATCH} keys, per key`,
    assign: 'assign (two disjoint lists of pool size), per touched key',
  };
  const rows: Row[] = [];
  const ratios: Ratio[] = [];
  for (const [op, bySize] of Object.entries(samples)) {
    const opSizes = op === 'assign' ? assignSizes : sizes;
    const smallest = opSizes[0]!;
    const largest = opSizes[opSizes.length - 1]!;
    for (const size of opSizes) {
      rows.push({
        label: `${labels[op]} @pool ${size.toLocaleString('en-US')}`,
        unit: 'µs',
        ...summarize(bySize[size]!.flat()),
      });
    }
    const perRound = bySize[largest]!.map((r, i) => median(r) / median(bySize[smallest]![i]!));
    const value = median(bySize[largest]!.flat()) / median(bySize[smallest]!.flat());
    ratios.push(
      ratio(
        `scaling/${op}`,
        `${labels[op]}: pool ${largest.toLocaleString('en-US')} / ${smallest}`,
        value,
        Math.min(...perRound),
        Math.max(...perRound),
      ),
    );
  }
  for (const size of sizes) {
    const v = visited.get(size)!;
    const perCall = v.entries / v.calls;
    rows.push({
      label: `gc(${GC_COUNT}) entries visited per call @pool ${size.toLocaleString('en-US')}`,
      unit: 'entries',
      median: perCall,
      min: perCall,
      max: perCall,
      n: v.calls,
    });
  }
  return {
    id: 'scaling',
    title: `Scaling with pool size ${sizes.join(' / ')} (figure 4; latency, µs)`,
    rows,
    ratios,
    checks: [],
    notes: [],
    seconds: (Date.now() - started) / 1000,
  };
}
