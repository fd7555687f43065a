/**
 * Cost of the operation timeout on the hot path: mallocKey + freeKeys at concurrency 64, with the
 * timeout (the default `operationTimeout`) against the same allocator without it (`Infinity`),
 * and optionally against another build of the library (`BASELINE=<path to its dist/index.js>`,
 * e.g. main before this change), interleaved round by round in one run on one private Redis.
 * Run: `npm run build && node bench/operation-timeout.mjs` (ROUNDS, SECONDS override).
 */
import { RedisAllocator } from 'redis-allocator';
import { costedThroughput, interleave } from './lib/measure.js';
import { openBenchRedis, serverCpuSeconds } from './lib/redis.js';
import { median, pairedRatios } from './lib/stats.js';
import { fillPool, mallocFreePair, resourceKeys } from './lib/subjects.js';

const CONCURRENCY = 64;
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const SECONDS = Number(process.env.SECONDS ?? 2);
const BASELINE = process.env.BASELINE;

const env = await openBenchRedis();
try {
  const client = await env.client();
  const keys = resourceKeys(1000);
  const prefix = `bench:optimeout:${process.pid}`;
  const allocators: Record<string, RedisAllocator> = {
    unbounded: new RedisAllocator(client, `${prefix}:unbounded`, {
      operationTimeout: Number.POSITIVE_INFINITY,
    }),
    bounded: new RedisAllocator(client, `${prefix}:bounded`),
  };
  if (BASELINE) {
    const baseline = (await import(BASELINE)) as { RedisAllocator: typeof RedisAllocator };
    allocators.baseline = new baseline.RedisAllocator(client, `${prefix}:baseline`);
  }
  const subjects = Object.keys(allocators);
  for (const allocator of Object.values(allocators)) await fillPool(allocator, keys);
  const ops = Object.fromEntries(subjects.map((s) => [s, mallocFreePair(allocators[s]!)]));
  for (const subject of subjects)
    await costedThroughput(ops[subject]!, CONCURRENCY, 1, () => serverCpuSeconds(client));
  const runs = await interleave(subjects, ROUNDS, (subject) =>
    costedThroughput(ops[subject]!, CONCURRENCY, SECONDS, () => serverCpuSeconds(client)),
  );
  const rate = (subject: string) => runs[subject]!.map((run) => run.opsPerSecond);
  console.log(`mallocKey + freeKeys, concurrency ${CONCURRENCY}, ${ROUNDS} rounds × ${SECONDS} s`);
  for (const subject of subjects) {
    const cpu = median(runs[subject]!.map((run) => run.clientCpu));
    console.log(
      `  ${subject.padEnd(10)} ${median(rate(subject)).toFixed(0)} pairs/s, client ${cpu.toFixed(1)} µs/pair`,
    );
  }
  const reference = BASELINE ? 'baseline' : 'unbounded';
  for (const subject of subjects.filter((s) => s !== reference)) {
    const ratio = median(pairedRatios(rate(subject), rate(reference)));
    console.log(`  ${subject}/${reference} (median of paired rounds): ${ratio.toFixed(3)}`);
  }
  await Promise.all(Object.values(allocators).map((allocator) => allocator.clear()));
} finally {
  await env.close();
}
