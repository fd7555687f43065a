/**
 * Issue 12: the cost of library metrics. The mallocKey+freeKeys pair on an allocator with an
 * OpenTelemetry meter (SDK MeterProvider, a reader attached and collected every round) against the
 * same pair without one, interleaved round by round in one run. Target: with ≥ 0.95 × without.
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { RedisAllocator } from 'redis-allocator';
import type { BenchConfig } from './lib/config.js';
import { costedThroughput, interleave, type Operation, throughput } from './lib/measure.js';
import { type BenchRedis, serverCpuSeconds } from './lib/redis.js';
import { type FigureResult, type Ratio, type Row, ratio } from './lib/report.js';
import { median, pairedRatios, summarize } from './lib/stats.js';
import { fillPool, mallocFreePair, resourceKeys } from './lib/subjects.js';

/** A pull reader, as a Prometheus exporter is: the SDK aggregates, the bench collects each round. */
class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export async function runMetrics(
  env: BenchRedis,
  config: BenchConfig,
  prefix: string,
): Promise<FigureResult> {
  const started = Date.now();
  const { concurrencies, poolSize, rounds, seconds, warmupSeconds } = config.throughput;
  const keys = resourceKeys(poolSize);
  const client = await env.client();
  const admin = await env.client();
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('redis-allocator-bench');
  const off = new RedisAllocator(client, `${prefix}:off`);
  const on = new RedisAllocator(client, `${prefix}:on`, { meter });
  await fillPool(off, keys);
  await fillPool(on, keys);
  const subjects: Record<string, Operation> = { off: mallocFreePair(off), on: mallocFreePair(on) };
  const rows: Row[] = [];
  const ratios: Ratio[] = [];
  let collectedPoints = 0;
  try {
    for (const c of concurrencies) {
      for (const name of ['off', 'on']) await throughput(subjects[name]!, c, warmupSeconds);
      const runs = await interleave(['off', 'on'] as const, rounds, async (name) => {
        const run = await costedThroughput(subjects[name]!, c, seconds, () => serverCpuSeconds(admin));
        if (name === 'on') {
          const { resourceMetrics } = await reader.collect();
          collectedPoints = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).length;
        }
        return run;
      });
      for (const name of ['off', 'on'] as const) {
        const label =
          name === 'on' ? 'mallocKey + freeKeys, OpenTelemetry meter' : 'mallocKey + freeKeys, no meter';
        rows.push({
          label: `${label} @c${c}`,
          unit: 'pairs/s',
          ...summarize(runs[name]!.map((r) => r.opsPerSecond)),
        });
        rows.push({
          label: `${label} @c${c}: client CPU`,
          unit: 'µs/pair',
          ...summarize(runs[name]!.map((r) => r.clientCpu)),
        });
      }
      const r = pairedRatios(
        runs.on!.map((x) => x.opsPerSecond),
        runs.off!.map((x) => x.opsPerSecond),
      );
      ratios.push(
        ratio(
          `metrics/pair@c${c}`,
          `pair with metrics / without @c${c}`,
          median(r),
          Math.min(...r),
          Math.max(...r),
        ),
      );
      // Client CPU per pair barely moves with other processes' load: the robust view of the cost.
      const cpu = pairedRatios(
        runs.off!.map((x) => x.clientCpu),
        runs.on!.map((x) => x.clientCpu),
      );
      const cpuLabel = `client CPU per pair, without / with metrics @c${c}`;
      ratios.push(ratio(`metrics/cpu@c${c}`, cpuLabel, median(cpu), Math.min(...cpu), Math.max(...cpu)));
    }
  } finally {
    await provider.shutdown();
  }
  return {
    id: 'metrics',
    title: 'Metrics overhead: mallocKey + freeKeys with an OpenTelemetry meter vs without',
    rows,
    ratios,
    checks: [
      {
        id: 'metrics/recorded',
        label: 'the meter recorded the allocator instruments',
        pass: collectedPoints >= 2,
        detail: `${collectedPoints} metrics collected`,
      },
    ],
    notes: ['SDK MeterProvider with a pull reader collected after every measured round'],
    seconds: (Date.now() - started) / 1000,
  };
}
