/**
 * Figures 1–3: pairs per second from one process at each concurrency — the allocator's pairs, the
 * ceiling (two trivial EVALSHA) and the peer (redis-semaphore) — interleaved round by round, with
 * the client and server CPU each pair cost.
 */
import type { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';
import type { BenchConfig } from './lib/config.js';
import { type CostedRun, costedThroughput, interleave, type Operation, throughput } from './lib/measure.js';
import { type BenchRedis, serverCpuSeconds } from './lib/redis.js';
import { type FigureResult, type Ratio, type Row, ratio } from './lib/report.js';
import { pairedSummary, summarize } from './lib/stats.js';
import {
  ceilingPair,
  fillPool,
  leasePair,
  mallocFreePair,
  policyAllocator,
  policyPair,
  resourceKeys,
  semaphorePair,
} from './lib/subjects.js';

const POLICY_GC_COUNT = 5;

interface Subject {
  label: string;
  op: Operation;
}

async function buildSubjects(
  env: BenchRedis,
  config: BenchConfig,
  client: Redis,
  prefix: string,
): Promise<Record<string, Subject>> {
  const { poolSize, autoPipelining } = config.throughput;
  const keys = resourceKeys(poolSize);
  const allocator = async (name: string, redis: Redis = client, shared = false) => {
    const a = new RedisAllocator(redis, `${prefix}:${name}`, { shared });
    await fillPool(a, keys);
    return a;
  };
  const subjects: Record<string, Subject> = {
    ceiling: { label: 'ceiling: 2 × EVALSHA EXISTS', op: await ceilingPair(client, `${prefix}:ceiling`) },
    pair: { label: 'mallocKey + freeKeys (exclusive)', op: mallocFreePair(await allocator('pair')) },
    lease: {
      label: `acquireLease({gcCount: ${POLICY_GC_COUNT}}) + releaseLease`,
      op: leasePair(await allocator('lease'), POLICY_GC_COUNT),
    },
    shared: {
      label: 'mallocKey + freeKeys (shared mode)',
      op: mallocFreePair(await allocator('shared', client, true)),
    },
    semaphore: {
      label: `redis-semaphore Semaphore(limit ${poolSize}) acquire + release`,
      op: semaphorePair(client, `${prefix}:semaphore`, poolSize),
    },
  };
  const policy = policyAllocator(client, `${prefix}:policy`);
  await fillPool(policy, keys);
  subjects.policy = {
    label: 'policy malloc + release (DefaultRedisAllocatorPolicy)',
    op: policyPair(policy),
  };
  if (autoPipelining) {
    // An experiment, not a target: the same two subjects on a client that batches commands per tick.
    const piped = await env.client({ enableAutoPipelining: true });
    subjects.ceilingAp = {
      label: 'ceiling, autopipelining client',
      op: await ceilingPair(piped, `${prefix}:ceiling`),
    };
    subjects.pairAp = {
      label: 'mallocKey + freeKeys, autopipelining client',
      op: mallocFreePair(await allocator('pair-ap', piped)),
    };
  }
  return subjects;
}

export async function runThroughput(
  env: BenchRedis,
  config: BenchConfig,
  prefix: string,
): Promise<FigureResult> {
  const started = Date.now();
  const { concurrencies, poolSize, rounds, seconds, warmupSeconds } = config.throughput;
  const client = await env.client();
  const admin = await env.client();
  const subjects = await buildSubjects(env, config, client, prefix);
  const names = Object.keys(subjects);
  const serverCpu = () => serverCpuSeconds(admin);

  const rows: Row[] = [];
  const ratios: Ratio[] = [];
  const costs: Row[] = [];
  for (const c of concurrencies) {
    for (const name of names) await throughput(subjects[name]!.op, c, warmupSeconds);
    const runs = await interleave(names, rounds, (name) =>
      costedThroughput(subjects[name]!.op, c, seconds, serverCpu),
    );
    const rate = (name: string) => runs[name]!.map((r: CostedRun) => r.opsPerSecond);
    const rates = Object.fromEntries(names.map((name) => [name, rate(name)]));
    for (const name of names) {
      rows.push({ label: `${subjects[name]!.label} @c${c}`, unit: 'pairs/s', ...summarize(rates[name]!) });
      const client = runs[name]!.map((r) => r.clientCpu);
      const server = runs[name]!.map((r) => r.serverCpu);
      costs.push({
        label: `${subjects[name]!.label} @c${c}: client CPU`,
        unit: 'µs/pair',
        ...summarize(client),
      });
      costs.push({
        label: `${subjects[name]!.label} @c${c}: server CPU`,
        unit: 'µs/pair',
        ...summarize(server),
      });
    }
    // A missing subject throws (pairedSummary): the run fails instead of skipping a ratio.
    const paired = (id: string, label: string, subject: string, baseline: string) => {
      const r = pairedSummary(rates, subject, baseline);
      ratios.push(ratio(`${id}@c${c}`, `${label} @c${c}`, r.median, r.min, r.max));
    };
    paired('pair/ceiling', 'mallocKey+freeKeys / ceiling', 'pair', 'ceiling');
    paired('pair/semaphore', 'mallocKey+freeKeys / redis-semaphore', 'pair', 'semaphore');
    paired('policy/pair', 'policy malloc+release / plain pair', 'policy', 'pair');
    paired('lease/pair', 'acquireLease(gc 5)+releaseLease / plain pair', 'lease', 'pair');
    paired('shared/ceiling', 'shared mallocKey+freeKeys / ceiling', 'shared', 'ceiling');
    paired('semaphore/ceiling', 'redis-semaphore / ceiling', 'semaphore', 'ceiling');
    if (config.throughput.autoPipelining) {
      paired('pairAp/ceilingAp', 'autopipelined pair / autopipelined ceiling', 'pairAp', 'ceilingAp');
      paired('pairAp/ceiling', 'autopipelined pair / plain ceiling', 'pairAp', 'ceiling');
    }
    // What the pair would reach on a CPU-saturated box: ceiling CPU / pair CPU (both sides summed).
    const cpu = (name: string) => runs[name]!.map((r) => r.clientCpu + r.serverCpu);
    const cpuRatio = pairedSummary({ ceiling: cpu('ceiling'), pair: cpu('pair') }, 'ceiling', 'pair');
    ratios.push(
      ratio(
        `cpu/pair@c${c}`,
        `CPU: ceiling µs / pair µs per pair (client+server) @c${c}`,
        cpuRatio.median,
        cpuRatio.min,
        cpuRatio.max,
      ),
    );
  }
  return {
    id: 'throughput',
    title: `Throughput, pool of ${poolSize}, one process (figures 1–3)`,
    rows: [...rows, ...costs],
    ratios,
    checks: [],
    notes: [],
    seconds: (Date.now() - started) / 1000,
  };
}
