/**
 * Cost of the operation timeout on the hot path: mallocKey + freeKeys at concurrency 64, with the
 * timeout decorator (the default `operationTimeout`) against the same allocator without it
 * (`Infinity`), interleaved round by round in one run on one private Redis.
 * Run: `npm run build && node bench/operation-timeout.mjs` (ROUNDS, SECONDS env override).
 */
import { RedisAllocator } from 'redis-allocator';
import { costedThroughput, interleave } from './lib/measure.js';
import { openBenchRedis, serverCpuSeconds } from './lib/redis.js';
import { median, pairedRatios } from './lib/stats.js';
import { fillPool, mallocFreePair, resourceKeys } from './lib/subjects.js';

const CONCURRENCY = 64;
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const SECONDS = Number(process.env.SECONDS ?? 2);

const env = await openBenchRedis();
try {
  const client = await env.client();
  const keys = resourceKeys(1000);
  const prefix = `bench:optimeout:${process.pid}`;
  const bare = new RedisAllocator(client, `${prefix}:bare`, { operationTimeout: Number.POSITIVE_INFINITY });
  const bounded = new RedisAllocator(client, `${prefix}:bounded`);
  await fillPool(bare, keys);
  await fillPool(bounded, keys);
  const ops = { bare: mallocFreePair(bare), bounded: mallocFreePair(bounded) };
  await costedThroughput(ops.bare, CONCURRENCY, 1, () => serverCpuSeconds(client)); // warm-up
  await costedThroughput(ops.bounded, CONCURRENCY, 1, () => serverCpuSeconds(client));
  const runs = await interleave(['bare', 'bounded'] as const, ROUNDS, (subject) =>
    costedThroughput(ops[subject], CONCURRENCY, SECONDS, () => serverCpuSeconds(client)),
  );
  const rate = (subject: 'bare' | 'bounded') => runs[subject].map((run) => run.opsPerSecond);
  const cpu = (subject: 'bare' | 'bounded') => median(runs[subject].map((run) => run.clientCpu));
  console.log(`mallocKey + freeKeys, concurrency ${CONCURRENCY}, ${ROUNDS} rounds × ${SECONDS} s`);
  console.log(
    `  operationTimeout: Infinity  ${median(rate('bare')).toFixed(0)} pairs/s, client ${cpu('bare').toFixed(1)} µs/pair`,
  );
  console.log(
    `  operationTimeout: default   ${median(rate('bounded')).toFixed(0)} pairs/s, client ${cpu('bounded').toFixed(1)} µs/pair`,
  );
  console.log(
    `  throughput ratio bounded/bare (median of paired rounds): ${median(pairedRatios(rate('bounded'), rate('bare'))).toFixed(3)}`,
  );
  await Promise.all([bare.clear(), bounded.clear()]);
} finally {
  await env.close();
}
