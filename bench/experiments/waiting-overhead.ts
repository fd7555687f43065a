/**
 * EXPERIMENT (issue 9): the cost of the waiter queue on the uncontended path. mallocKey + freeKeys
 * at concurrency 64 (or the one given) with no waiters, the library before the waiting change (a build of another
 * commit) beside this build, rounds interleaved in one run against one private Redis; server CPU
 * per pair from `INFO cpu`, and the trivial-EVALSHA ceiling for scale.
 * Run: `npm run build && node --import tsx bench/experiments/waiting-overhead.ts <baseline dist/index.js> [rounds] [concurrency]`
 * (build the baseline with `git archive <commit> | tar -x -C DIR && cd DIR && npx tsup`).
 */
import { pathToFileURL } from 'node:url';
import { RedisAllocator } from 'redis-allocator';
import { type CostedRun, costedThroughput, interleave } from '../lib/measure.js';
import { openBenchRedis, serverCpuSeconds } from '../lib/redis.js';
import { median } from '../lib/stats.js';
import { ceilingPair, fillPool, mallocFreePair, resourceKeys } from '../lib/subjects.js';

const baselinePath = process.argv[2];
if (!baselinePath)
  throw new Error('usage: waiting-overhead.ts <baseline dist/index.js> [rounds] [concurrency]');
const rounds = Number(process.argv[3] ?? 9);
const concurrency = Number(process.argv[4] ?? 64);
const seconds = 0.6;
const Baseline = (await import(pathToFileURL(baselinePath).href)).RedisAllocator as typeof RedisAllocator;

const env = await openBenchRedis();
try {
  const client = await env.client();
  const admin = await env.client();
  const before = new Baseline(client, 'overhead:before');
  const after = new RedisAllocator(client, 'overhead:after');
  await fillPool(before, resourceKeys(1000));
  await fillPool(after, resourceKeys(1000));
  const ops = {
    ceiling: await ceilingPair(client, 'overhead:ceiling'),
    before: mallocFreePair(before),
    after: mallocFreePair(after),
  };
  const cpu = () => serverCpuSeconds(admin);
  for (const op of Object.values(ops)) await costedThroughput(op, concurrency, 0.3, cpu); // warm-up
  const results = await interleave(['ceiling', 'before', 'after'] as const, rounds, (subject) =>
    costedThroughput(ops[subject], concurrency, seconds, cpu),
  );
  const pick = (runs: CostedRun[], field: keyof CostedRun) => median(runs.map((r) => r[field]));
  for (const subject of ['ceiling', 'before', 'after'] as const) {
    const runs = results[subject];
    console.log(
      `${subject.padEnd(8)} ${pick(runs, 'opsPerSecond').toFixed(0).padStart(7)} pairs/s  ` +
        `server ${pick(runs, 'serverCpu').toFixed(1)} µs/pair  client ${pick(runs, 'clientCpu').toFixed(1)} µs/pair`,
    );
  }
  const perRound = results.after.map((r, i) => r.opsPerSecond / results.before[i]!.opsPerSecond);
  const serverRatio = pick(results.after, 'serverCpu') / pick(results.before, 'serverCpu');
  console.log(
    `after / before: throughput ${median(perRound).toFixed(3)} (rounds ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}), server µs per pair ${serverRatio.toFixed(3)}`,
  );
  const ceilingRatio = (runs: CostedRun[]) =>
    pick(runs, 'opsPerSecond') / pick(results.ceiling, 'opsPerSecond');
  console.log(
    `pair / ceiling: before ${ceilingRatio(results.before).toFixed(3)}, after ${ceilingRatio(results.after).toFixed(3)}`,
  );
} finally {
  await env.close();
}
