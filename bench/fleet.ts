/**
 * Fleet figure (issue 13): several client processes against ONE Redis, where Redis itself becomes
 * the limit. Subjects, rounds interleaved: this library's mallocKey + freeKeys, the policy's
 * malloc + release, redis-semaphore acquire + release, and a floor of two trivial EVALSHA per pair.
 * For each: pairs per second across the fleet, and Redis microseconds per pair from
 * `INFO commandstats` (reset before every round), summed over every top-level command the workers
 * sent — script calls and plain commands alike (a script's usec already includes its redis.call()s).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';
import type { BenchConfig } from './lib/config.js';
import { snapshotLibrary } from './lib/library-snapshot.js';
import { interleave } from './lib/measure.js';
import { type BenchRedis, type CommandStats, commandStats, serverCpuSeconds } from './lib/redis.js';
import { type FigureResult, type Ratio, type Row, ratio } from './lib/report.js';
import { median, pairedRatios, summarize } from './lib/stats.js';
import { fillPool, policyAllocator, resourceKeys, TRIVIAL_SCRIPT } from './lib/subjects.js';

const WORKER = fileURLToPath(new URL('./fleet-worker.mjs', import.meta.url));

export const FLEET_SUBJECTS = ['floor', 'pair', 'single', 'policy', 'semaphore'] as const;
export type FleetSubject = (typeof FLEET_SUBJECTS)[number];

const LABELS: Record<FleetSubject, string> = {
  floor: 'floor: 2 × EVALSHA EXISTS',
  pair: 'mallocKey + freeKeys',
  single: 'mallocKey + freeKeys, coalesce: false',
  policy: 'policy malloc + release',
  semaphore: 'redis-semaphore acquire + release',
};

type SentCounts = Record<string, number>;
interface Reply {
  ready?: true;
  pairs?: number;
  elapsed?: number;
  sent?: SentCounts;
}

/** One round of one subject across the fleet. */
export interface FleetRound {
  pairsPerSecond: number;
  /** Redis microseconds per pair (sum of the usec of every command name the workers sent). */
  usecPerPair: number;
  /** Commands per pair, by top-level name, as Redis counted them. */
  commands: SentCounts;
  /**
   * Redis CPU microseconds per pair (`INFO cpu` delta: the server's user + system time, network
   * I/O included). CPU time, unlike commandstats' wall-clock usec, does not grow when another
   * process on a loaded machine preempts redis-server in the middle of a script.
   */
  cpuPerPair: number;
}

function nextReply(child: ChildProcess): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`fleet worker exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as Reply);
    });
  });
}

/**
 * Redis time of what the workers sent. A name the workers sent that scripts also call inside
 * (none of today's subjects) would count those inner calls twice: refused rather than mis-measured.
 */
export function attribute(
  stats: CommandStats,
  sent: SentCounts,
  pairs: number,
): Pick<FleetRound, 'usecPerPair' | 'commands'> {
  let usec = 0;
  const commands: SentCounts = {};
  for (const [name, count] of Object.entries(sent)) {
    const s = stats[name];
    if (!s) throw new Error(`INFO commandstats has no "${name}", which the workers sent ${count} times`);
    if (s.calls !== count) {
      throw new Error(
        `"${name}": Redis counted ${s.calls} calls, the workers sent ${count}: not attributable`,
      );
    }
    usec += s.usec;
    commands[name] = s.calls / pairs;
  }
  return { usecPerPair: usec / pairs, commands };
}

export async function runFleet(env: BenchRedis, config: BenchConfig, prefix: string): Promise<FigureResult> {
  const started = Date.now();
  const { processes, inFlight, poolSize, rounds, seconds, warmupSeconds } = config.fleet;
  const admin = await env.client();
  const keys = resourceKeys(poolSize);
  await fillPool(new RedisAllocator(admin, `${prefix}:pair`), keys);
  await fillPool(new RedisAllocator(admin, `${prefix}:single`), keys);
  await fillPool(policyAllocator(admin, `${prefix}:policy`), keys);
  const library = await snapshotLibrary();
  const args = [env.url, prefix, String(inFlight), TRIVIAL_SCRIPT, library.entry];
  const workers = Array.from({ length: processes }, () =>
    fork(WORKER, args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  try {
    await Promise.all(workers.map(nextReply));
    const startup = (Date.now() - started) / 1000;
    const runAll = async (subject: FleetSubject, secs: number): Promise<Reply[]> => {
      const replies = workers.map(nextReply);
      for (const worker of workers) worker.send({ subject, seconds: secs });
      return Promise.all(replies);
    };
    // Warm-up: loads every script (the first EVALSHA of each answers NOSCRIPT) and the JIT.
    for (const subject of FLEET_SUBJECTS) await runAll(subject, warmupSeconds);
    const results = await interleave<FleetSubject, FleetRound>(FLEET_SUBJECTS, rounds, (subject) =>
      measureRound(admin, subject, seconds, runAll),
    );
    return report(results, config, startup, (Date.now() - started) / 1000);
  } finally {
    for (const worker of workers) if (worker.connected) worker.send({ stop: true });
    await Promise.all(
      workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : null)),
    );
    rmSync(library.dir, { recursive: true, force: true });
  }
}

async function measureRound(
  admin: Redis,
  subject: FleetSubject,
  seconds: number,
  runAll: (subject: FleetSubject, secs: number) => Promise<Reply[]>,
): Promise<FleetRound> {
  await admin.config('RESETSTAT');
  const cpu0 = await serverCpuSeconds(admin);
  const replies = await runAll(subject, seconds);
  const cpu = (await serverCpuSeconds(admin)) - cpu0;
  const stats = await commandStats(admin);
  const sent: SentCounts = {};
  let pairs = 0;
  let pairsPerSecond = 0;
  for (const reply of replies) {
    pairs += reply.pairs!;
    pairsPerSecond += reply.pairs! / reply.elapsed!;
    for (const [name, count] of Object.entries(reply.sent!)) sent[name] = (sent[name] ?? 0) + count;
  }
  return { pairsPerSecond, cpuPerPair: (cpu * 1e6) / pairs, ...attribute(stats, sent, pairs) };
}

function report(
  results: Record<FleetSubject, FleetRound[]>,
  config: BenchConfig,
  startup: number,
  seconds: number,
): FigureResult {
  const { processes, inFlight, poolSize, rounds } = config.fleet;
  const setup = `${processes} processes × ${inFlight} in flight`;
  const rows: Row[] = [];
  for (const subject of FLEET_SUBJECTS) {
    const r = results[subject];
    rows.push({
      label: `${LABELS[subject]}: pairs/s`,
      unit: 'pairs/s',
      ...summarize(r.map((x) => x.pairsPerSecond)),
    });
    rows.push({
      label: `${LABELS[subject]}: Redis time`,
      unit: 'µs/pair',
      ...summarize(r.map((x) => x.usecPerPair)),
    });
    rows.push({
      label: `${LABELS[subject]}: Redis CPU`,
      unit: 'µs/pair',
      ...summarize(r.map((x) => x.cpuPerPair)),
    });
  }
  const paired = (id: string, label: string, a: number[], b: number[]): Ratio => {
    const values = pairedRatios(a, b);
    return ratio(id, label, median(values), Math.min(...values), Math.max(...values));
  };
  const usec = (s: FleetSubject) => results[s].map((x) => x.usecPerPair);
  const rate = (s: FleetSubject) => results[s].map((x) => x.pairsPerSecond);
  const cpu = (s: FleetSubject) => results[s].map((x) => x.cpuPerPair);
  const ratios = [
    paired(
      'fleet/pair-usec/semaphore',
      'fleet: mallocKey+freeKeys Redis µs / redis-semaphore',
      usec('pair'),
      usec('semaphore'),
    ),
    paired(
      'fleet/policy-usec/semaphore',
      'fleet: policy malloc+release Redis µs / redis-semaphore',
      usec('policy'),
      usec('semaphore'),
    ),
    paired(
      'fleet/single-usec/semaphore',
      'fleet: same, coalesce: false, Redis µs / redis-semaphore',
      usec('single'),
      usec('semaphore'),
    ),
    paired(
      'fleet/pair-usec/floor',
      'fleet: mallocKey+freeKeys Redis µs / floor',
      usec('pair'),
      usec('floor'),
    ),
    paired(
      'fleet/policy-usec/floor',
      'fleet: policy malloc+release Redis µs / floor',
      usec('policy'),
      usec('floor'),
    ),
    paired(
      'fleet/pair-cpu/semaphore',
      'fleet: mallocKey+freeKeys Redis CPU / redis-semaphore',
      cpu('pair'),
      cpu('semaphore'),
    ),
    paired('fleet/pair-cpu/floor', 'fleet: mallocKey+freeKeys Redis CPU / floor', cpu('pair'), cpu('floor')),
    paired(
      'fleet/pair/semaphore',
      'fleet: mallocKey+freeKeys pairs/s / redis-semaphore',
      rate('pair'),
      rate('semaphore'),
    ),
    paired(
      'fleet/policy/semaphore',
      'fleet: policy pairs/s / redis-semaphore',
      rate('policy'),
      rate('semaphore'),
    ),
    paired('fleet/pair/floor', 'fleet: mallocKey+freeKeys pairs/s / floor', rate('pair'), rate('floor')),
  ];
  const commands = (s: FleetSubject) =>
    Object.entries(results[s].at(-1)!.commands)
      .map(([name, n]) => `${name.toUpperCase()} ${+n.toFixed(2)}`)
      .join(', ');
  return {
    id: 'fleet',
    title: `Fleet: ${setup} against one Redis, pool of ${poolSize}, ${rounds} interleaved rounds`,
    rows,
    ratios,
    checks: [],
    notes: [
      `${processes} worker processes started in ${startup.toFixed(1)} s`,
      ...FLEET_SUBJECTS.map((s) => `${LABELS[s]}: commands per pair: ${commands(s)}`),
    ],
    seconds,
  };
}
