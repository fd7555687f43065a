/**
 * Figure 5: malloc latency under contention — several processes allocating from one pool at once,
 * against the latency of one trivial EVALSHA under the same load (rounds interleaved).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RedisAllocator } from 'redis-allocator';
import type { BenchConfig } from './lib/config.js';
import { snapshotLibrary } from './lib/library-snapshot.js';
import { interleave } from './lib/measure.js';
import type { BenchRedis } from './lib/redis.js';
import { type FigureResult, type Ratio, type Row, ratio } from './lib/report.js';
import { median, quantile } from './lib/stats.js';
import { fillPool, resourceKeys, TRIVIAL_SCRIPT } from './lib/subjects.js';

const WORKER = fileURLToPath(new URL('./contention-worker.mjs', import.meta.url));
type Subject = 'ceiling' | 'malloc';
type Reply = { ready?: true; latencies?: number[] };

function nextReply(child: ChildProcess): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`contention worker exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as Reply);
    });
  });
}

export async function runContention(
  env: BenchRedis,
  config: BenchConfig,
  prefix: string,
): Promise<FigureResult> {
  const started = Date.now();
  const { processes, concurrencyPerProcess, poolSize, rounds, seconds, warmupSeconds } = config.contention;
  const client = await env.client();
  await fillPool(new RedisAllocator(client, prefix), resourceKeys(poolSize));
  const library = await snapshotLibrary();
  // Plain `node` on an .mjs worker: no tsx start-up cost per process.
  const args = [env.url, prefix, String(concurrencyPerProcess), TRIVIAL_SCRIPT, library.entry];
  const workers = Array.from({ length: processes }, () =>
    fork(WORKER, args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  try {
    await Promise.all(workers.map(nextReply));
    const startup = (Date.now() - started) / 1000;
    const runAll = async (subject: Subject, secs: number): Promise<number[]> => {
      const replies = workers.map(nextReply);
      for (const worker of workers) worker.send({ subject, seconds: secs });
      return (await Promise.all(replies)).flatMap((r) => r.latencies ?? []);
    };
    await runAll('ceiling', warmupSeconds);
    await runAll('malloc', warmupSeconds);
    const results = await interleave<Subject, number[]>(['ceiling', 'malloc'], rounds, (s) =>
      runAll(s, seconds),
    );

    const total = processes * concurrencyPerProcess;
    const setup = `${processes} processes × ${concurrencyPerProcess} in flight = ${total}`;
    const rows: Row[] = [];
    const ratios: Ratio[] = [];
    const label = { ceiling: 'one trivial EVALSHA', malloc: 'mallocKey' };
    for (const subject of ['ceiling', 'malloc'] as const) {
      const all = results[subject].flat();
      for (const [name, q] of [
        ['p50', 0.5],
        ['p99', 0.99],
      ] as const) {
        const perRound = results[subject].map((r) => quantile(r, q));
        rows.push({
          label: `${label[subject]} ${name} (${setup})`,
          unit: 'µs',
          median: quantile(all, q),
          min: Math.min(...perRound),
          max: Math.max(...perRound),
          n: all.length,
        });
      }
      const rates = results[subject].map((r) => r.length / seconds);
      rows.push({
        label: `${label[subject]} rate (${setup})`,
        unit: 'ops/s',
        median: median(rates),
        min: Math.min(...rates),
        max: Math.max(...rates),
        n: rates.length,
      });
    }
    for (const [name, q] of [
      ['p50', 0.5],
      ['p99', 0.99],
    ] as const) {
      const perRound = results.malloc.map((r, i) => quantile(r, q) / quantile(results.ceiling[i]!, q));
      const value = quantile(results.malloc.flat(), q) / quantile(results.ceiling.flat(), q);
      ratios.push(
        ratio(
          `contention/${name}`,
          `mallocKey ${name} / EVALSHA ${name} (${total} in flight, ${processes} processes)`,
          value,
          Math.min(...perRound),
          Math.max(...perRound),
        ),
      );
    }
    return {
      id: 'contention',
      title: `Latency under contention (figure 5): ${setup}, pool of ${poolSize}`,
      rows,
      ratios,
      checks: [],
      notes: [`${processes} worker processes started in ${startup.toFixed(1)} s`],
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const worker of workers) {
      if (worker.connected) worker.send({ stop: true });
    }
    await Promise.all(
      workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : null)),
    );
    rmSync(library.dir, { recursive: true, force: true });
  }
}
