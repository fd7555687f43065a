/** Closed-loop load generators: N callers each awaiting one operation after another. */
import { performance } from 'node:perf_hooks';

export type Operation = () => Promise<unknown>;

/** Runs `concurrency` closed loops of `op` for `seconds`; returns operations done and seconds taken. */
async function closedLoops(
  op: Operation,
  concurrency: number,
  seconds: number,
): Promise<{ done: number; elapsed: number }> {
  let done = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      await op();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { done, elapsed: (performance.now() - start) / 1000 };
}

/** Operations per second of `concurrency` closed loops running `op` for `seconds`. */
export async function throughput(op: Operation, concurrency: number, seconds: number): Promise<number> {
  const { done, elapsed } = await closedLoops(op, concurrency, seconds);
  return done / elapsed;
}

/** A throughput run with the CPU it cost this process and the server, per operation. */
export interface CostedRun {
  opsPerSecond: number;
  /** Microseconds of this process's CPU (user + system) per operation. */
  clientCpu: number;
  /** Microseconds of server CPU per operation (`INFO cpu` delta). */
  serverCpu: number;
}

/**
 * `throughput` plus CPU per operation on both sides. On a saturated two-core machine throughput
 * follows total CPU per operation, and CPU time barely moves with other processes' load: the
 * robust explanation of a throughput ratio.
 */
export async function costedThroughput(
  op: Operation,
  concurrency: number,
  seconds: number,
  serverCpuSeconds: () => Promise<number>,
): Promise<CostedRun> {
  const server0 = await serverCpuSeconds();
  const client0 = process.cpuUsage();
  const { done, elapsed } = await closedLoops(op, concurrency, seconds);
  const client = process.cpuUsage(client0);
  const server = (await serverCpuSeconds()) - server0;
  return {
    opsPerSecond: done / elapsed,
    clientCpu: (client.user + client.system) / done,
    serverCpu: (server * 1e6) / done,
  };
}

/** Latency in microseconds of `count` sequential runs of `op`. */
export async function latencies(op: Operation, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await op();
    samples.push((performance.now() - t0) * 1000);
  }
  return samples;
}

/**
 * Runs `measure(subject)` for every subject, round after round, rotating which subject goes first,
 * so background load on a shared machine falls on baseline and subject alike.
 * @returns each subject's per-round results, in round order.
 */
export async function interleave<S extends string, R>(
  subjects: readonly S[],
  rounds: number,
  measure: (subject: S, round: number) => Promise<R>,
): Promise<Record<S, R[]>> {
  const results = Object.fromEntries(subjects.map((s) => [s, [] as R[]])) as Record<S, R[]>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(i + round) % subjects.length]!;
      results[subject].push(await measure(subject, round));
    }
  }
  return results;
}
