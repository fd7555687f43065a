/**
 * EXPERIMENT (issue 9): small utilisation differences, measured in paired, interleaved rounds. A
 * single waiting-bench phase reads ±1-2 % from run to run on this shared 2-core box, more than
 * the effects being looked for. Here every round runs each variant of the library (a snapshot of
 * a build: a directory holding index.js) and redis-semaphore for a few seconds each, in turn, at
 * the same waiter count; the figure is each subject's utilisation divided by redis-semaphore's of
 * the same round, with its mean, the standard error of that mean, and the median.
 * Run: `node --import tsx bench/experiments/waiting-ab.ts <rounds> <seconds> <waiters> dirA [dirB…]`
 * (make a snapshot with `npm run build && cp -r dist /tmp/variant-x`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import { RedisAllocator } from 'redis-allocator';
import { openBenchRedis } from '../lib/redis.js';
import { median } from '../lib/stats.js';
import { resourceKeys, TRIVIAL_SCRIPT } from '../lib/subjects.js';
import { contendMessage, PROCESSES, RESOURCES, request, WORKER } from '../waiting.js';

const [rounds, seconds, waiters] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const variants = process.argv.slice(5).map((dir) => resolve(dir));
if (!(rounds > 0 && seconds > 0 && waiters > 0) || variants.length === 0) {
  throw new Error('usage: waiting-ab.ts <rounds> <seconds> <waiters> dirA [dirB…]');
}
const WARMUP = 0.5;

type Report = { acquisitions: number; heldMs: number; start: number; end: number; cpuMs: number };

const env = await openBenchRedis();
const processes: ChildProcess[] = [];
try {
  const client = await env.client();
  /** Two worker processes per variant (a process loads one library); redis-semaphore uses the first's. */
  const workersOf = variants.map((dir, v) =>
    Array.from({ length: PROCESSES }, () => {
      const child = fork(WORKER, [env.url, `ab:${v}:fair`, join(dir, 'index.js'), TRIVIAL_SCRIPT], {
        execArgv: [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      processes.push(child);
      return child;
    }),
  );
  await Promise.all(processes.map((w) => request(w, {})));
  const subjects = [
    ...variants.map((dir, v) => ({ label: dir, v, subject: 'allocator' as const })),
    { label: 'redis-semaphore', v: 0, subject: 'semaphore' as const },
  ];
  let phase = 0;
  async function contend(s: (typeof subjects)[number], phaseSeconds: number, warmup: number) {
    const pool = `ab:${s.subject}:${s.v}:${++phase}`;
    if (s.subject === 'allocator') await new RedisAllocator(client, pool).extend(resourceKeys(RESOURCES));
    const reports = await Promise.all(
      workersOf[s.v]!.map((w) =>
        request<Report>(w, contendMessage(s.subject, waiters, phaseSeconds, warmup, pool)),
      ),
    );
    const held = reports.reduce((n, r) => n + r.heldMs, 0);
    const acquisitions = reports.reduce((n, r) => n + r.acquisitions, 0);
    const window = Math.max(...reports.map((r) => r.end)) - Math.min(...reports.map((r) => r.start));
    return {
      utilisation: held / (RESOURCES * window),
      cpuUs: (1000 * reports.reduce((n, r) => n + r.cpuMs, 0)) / acquisitions,
    };
  }
  // Unmeasured: TurboFan keeps compiling for several seconds after a worker starts (waiting.ts).
  for (const s of subjects) await contend(s, 6, 0);
  const utilisation = subjects.map(() => [] as number[]);
  const cpu = subjects.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no subject always runs first in a round.
    for (let k = 0; k < subjects.length; k++) {
      const i = (k + round) % subjects.length;
      const result = await contend(subjects[i]!, seconds, WARMUP);
      utilisation[i]!.push(result.utilisation);
      cpu[i]!.push(result.cpuUs);
    }
  }
  const baseline = utilisation[subjects.length - 1]!;
  for (const [i, s] of subjects.entries()) {
    const ratios = utilisation[i]!.map((u, r) => u / baseline[r]!);
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const sd = Math.sqrt(ratios.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, ratios.length - 1));
    const u = utilisation[i]!;
    console.log(
      `${s.label}: utilisation mean ${(u.reduce((a, b) => a + b, 0) / u.length).toFixed(4)}; ` +
        `/ redis-semaphore mean ${mean.toFixed(4)} ± ${(sd / Math.sqrt(ratios.length)).toFixed(4)} (s.e.), ` +
        `median ${median(ratios).toFixed(4)}, min ${Math.min(...ratios).toFixed(3)}; client CPU/acq ${median(cpu[i]!).toFixed(0)} µs`,
    );
  }
} finally {
  for (const w of processes) if (w.connected) w.send({ phase: 'stop' });
  await Promise.all(
    processes.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : null)),
  );
  await env.close();
}
