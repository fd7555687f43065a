/**
 * EXPERIMENT (issue 9): where the client time of the waiting figure goes. Two waiting-bench
 * workers contend (subject, waiters given) against a private Redis. Prints utilisation, idle per
 * acquisition, client CPU (and its system part), each worker's event-loop delay, the server's
 * command time per acquisition, the round trip of a trivial script sent from a third, idle process
 * and, for ours, the hand-off latency's shape (how much of the mean the slow tail makes, local
 * against remote hand-offs).
 * PROFILE_DIR=dir (PROFILE_INTERVAL_US, default 1000): each worker writes a V8 CPU profile there;
 * WORKER_FLAGS: extra node flags for the workers (e.g. --trace-gc), space-separated;
 * TRACE_RELEASE=1: each release's round trip, ours split into call → written → reply parsed →
 * loop resumes, and the server's SLOWLOG over 0.5 ms.
 * Run: `npm run build && node --import tsx bench/experiments/waiting-profile.ts [allocator|semaphore] [waiters] [seconds]`
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RedisAllocator } from 'redis-allocator';
import { commandStats, diffStats, openBenchRedis } from '../lib/redis.js';
import { quantile } from '../lib/stats.js';
import { resourceKeys, TRIVIAL_SCRIPT } from '../lib/subjects.js';
import { contendMessage, handOffLatencies, RESOURCES } from '../waiting.js';

const subject = process.argv[2] === 'semaphore' ? 'semaphore' : 'allocator';
/** Mean in ms, as text (the tail is the point here, so means, not medians). */
const mean = (xs: readonly number[]) => (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(3);
const at = (xs: readonly number[], q: number) => quantile(xs, q).toFixed(3);
const waiters = Number(process.argv[3] ?? 16);
const seconds = Number(process.argv[4] ?? 5);
const WORKER = fileURLToPath(new URL('../waiting-worker.mjs', import.meta.url));
const library = fileURLToPath(import.meta.resolve('redis-allocator'));
const profileDir = process.env.PROFILE_DIR;

const env = await openBenchRedis();
try {
  const client = await env.client();
  const pool = `profile:${subject}`;
  await new RedisAllocator(client, pool).extend(resourceKeys(RESOURCES));
  const workers = [0, 1].map(() =>
    fork(WORKER, [env.url, `${pool}:fair`, library, TRIVIAL_SCRIPT], {
      execArgv: profileDir
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${profileDir}`,
            `--cpu-prof-interval=${process.env.PROFILE_INTERVAL_US ?? 1000}`,
          ]
        : (process.env.WORKER_FLAGS?.split(' ').filter(Boolean) ?? []),
      env: { ...process.env, WAITING_DIAGNOSTICS: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  type Report = {
    acquisitions: number;
    heldMs: number;
    start: number;
    end: number;
    cpuMs: number;
    systemCpuMs: number;
    events: Array<['g' | 'r', string, number]>;
    loopDelayMs: { p50: number; p99: number; max: number };
    switches: { voluntary: number; involuntary: number };
    /** TRACE_RELEASE: per release, its round-trip parts in ms (see the worker). */
    releases: number[][];
    /** TRACE_RELEASE: mailbox reads that delivered keys: [written, answered, keys]. */
    reads: Array<[number, number, string[]]>;
  };
  const next = (w: (typeof workers)[number]) => new Promise<Report>((r) => w.once('message', r));
  await Promise.all(workers.map(next));
  if (process.env.TRACE_RELEASE) {
    await client.config('SET', 'slowlog-log-slower-than', '500');
    await client.slowlog('RESET');
  }
  const redisPid = Number(/process_id:(\d+)/.exec(String(await client.info('server')))?.[1]);
  const redisSwitches = () => {
    const status = readFileSync(`/proc/${redisPid}/status`, 'utf8');
    return (
      Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1]) +
      Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1])
    );
  };
  const redisSwitchesBefore = redisSwitches();
  const before = await commandStats(client);
  // A trivial EVALSHA every 5 ms from this otherwise idle process, on its own connection: how much
  // the subject's load slows any round trip, apart from the workers' own event loops and
  // connections (their in-worker yardstick reads the sum of both).
  const probe = await env.client();
  const probeSha = String(await probe.script('LOAD', TRIVIAL_SCRIPT));
  const probeRtts: number[] = [];
  let probing = true;
  const probeLoop = (async () => {
    await new Promise((r) => setTimeout(r, 1000)); // the workers' warm-up
    while (probing) {
      const t0 = performance.now();
      await probe.evalsha(probeSha, 1, 'probe');
      probeRtts.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const reports = await Promise.all(
    workers.map((w) => {
      const reply = next(w);
      w.send(contendMessage(subject, waiters, seconds, 0.5, pool));
      return reply;
    }),
  );
  probing = false;
  await probeLoop;
  console.log(
    `  round trip from an idle process (ms): mean ${mean(probeRtts)} p50 ${at(probeRtts, 0.5)} p90 ${at(probeRtts, 0.9)} (n ${probeRtts.length})`,
  );
  const stats = diffStats(before, await commandStats(client));
  const acquisitions = reports.reduce((n, r) => n + r.acquisitions, 0);
  const held = reports.reduce((n, r) => n + r.heldMs, 0);
  const window = Math.max(...reports.map((r) => r.end)) - Math.min(...reports.map((r) => r.start));
  const cpu = reports.reduce((n, r) => n + r.cpuMs, 0);
  const system = reports.reduce((n, r) => n + r.systemCpuMs, 0);
  const usec = Object.values(stats).reduce((n, s) => n + s.usec, 0);
  console.log(
    `${subject} ${waiters} waiters: utilisation ${(held / (RESOURCES * window)).toFixed(3)}, idle/acq ${((RESOURCES * window - held) / acquisitions).toFixed(3)} ms, client CPU/acq ${((1000 * cpu) / acquisitions).toFixed(0)} µs (system ${((1000 * system) / acquisitions).toFixed(0)}), server µs/acq (whole run) ${(usec / acquisitions).toFixed(1)}`,
  );
  const workerSwitches = reports.reduce((n, r) => n + r.switches.voluntary + r.switches.involuntary, 0);
  const preempted = reports.reduce((n, r) => n + r.switches.involuntary, 0);
  console.log(
    `  context switches per acquisition: workers ${(workerSwitches / acquisitions).toFixed(2)} (preempted ${(preempted / acquisitions).toFixed(2)}), redis-server ${((redisSwitches() - redisSwitchesBefore) / acquisitions).toFixed(2)} (whole run)`,
  );
  console.log(
    `  event-loop delay per worker (ms, p50/p99/max): ${reports.map((r) => `${r.loopDelayMs.p50.toFixed(2)}/${r.loopDelayMs.p99.toFixed(2)}/${r.loopDelayMs.max.toFixed(1)}`).join(', ')}`,
  );
  if (process.env.TRACE_RELEASE) {
    // A slow hand-off is mostly a slow release round trip (the releaser's reply comes late too).
    const releases = reports.flatMap((r) => r.releases);
    const rtts = releases.map((parts) => parts.reduce((a, b) => a + b, 0));
    let line = `  release round trip: mean ${mean(rtts)} ms, over 1 ms ${((100 * rtts.filter((x) => x > 1).length) / rtts.length).toFixed(1)} %`;
    if (subject === 'allocator')
      line += `; call → written ${mean(releases.map((p) => p[0]!))}, written → reply parsed ${mean(releases.map((p) => p[1]!))}, parsed → loop resumes ${mean(releases.map((p) => p[2]!))}`;
    console.log(line);
    if (subject === 'allocator') {
      // Remote hand-offs: release sent (releasing process) → the mailbox read that carried the key
      // answered (other process) → grant; and whether that read was written before the release
      // (armed) or only after it (the hand-off waited for the reader to re-arm).
      const parts = { toRead: [] as number[], toGrant: [] as number[], late: [] as number[] };
      reports.forEach((receiver, p) => {
        const sender = reports[1 - p]!;
        const releasesByKey = new Map<string, number[]>();
        for (const [kind, key, t] of sender.events)
          if (kind === 'r') releasesByKey.set(key, [...(releasesByKey.get(key) ?? []), t]);
        const grantsByKey = new Map<string, number[]>();
        for (const [kind, key, t] of receiver.events)
          if (kind === 'g') grantsByKey.set(key, [...(grantsByKey.get(key) ?? []), t]);
        for (const [written, answered, keys] of receiver.reads) {
          for (const key of keys) {
            const released = (releasesByKey.get(key) ?? []).filter((t) => t <= answered).at(-1);
            const granted = (grantsByKey.get(key) ?? []).find((t) => t >= answered);
            if (released === undefined || granted === undefined || answered - released > 50) continue;
            parts.toRead.push(answered - released);
            parts.toGrant.push(granted - answered);
            if (written > released) parts.late.push(answered - released);
          }
        }
      });
      console.log(
        `  remote hand-offs: ${parts.toRead.length}; release → read answered mean ${mean(parts.toRead)} (p50 ${at(parts.toRead, 0.5)}, p99 ${at(parts.toRead, 0.99)}), read answered → grant mean ${mean(parts.toGrant)} (p99 ${at(parts.toGrant, 0.99)}); read written only after the release: ${parts.late.length} (their release → read mean ${mean(parts.late)})`,
      );
    }
    const slow = (await client.slowlog('GET', 20)) as Array<[number, number, number, string[]]>;
    console.log(
      `  commands over 0.5 ms (SLOWLOG): ${slow.length}${slow.length ? `: ${slow.map((e) => `${e[2]} µs ${e[3].slice(0, 3).join(' ')}`).join('; ')}` : ''}`,
    );
  }
  if (subject === 'allocator') {
    // The hand-off latency's shape: how much of the mean idle time the slow tail makes.
    const { all, local, remote } = handOffLatencies(reports);
    const tail = all.filter((x) => x > 1).reduce((a, b) => a + b, 0) / all.length;
    console.log(
      `  hand-off ms: mean ${mean(all)}, p50 ${at(all, 0.5)}, p90 ${at(all, 0.9)}, p99 ${at(all, 0.99)}; over 1 ms: ${((100 * all.filter((x) => x > 1).length) / all.length).toFixed(1)} % of hand-offs, ${tail.toFixed(3)} ms of the mean; local mean ${mean(local)} (${local.length}), remote mean ${mean(remote)} (${remote.length})`,
    );
  }
  for (const [cmd, s] of Object.entries(stats)
    .sort((a, b) => b[1].usec - a[1].usec)
    .slice(0, 8))
    console.log(
      `  ${cmd}: calls/acq ${(s.calls / acquisitions).toFixed(2)}, µs/call ${(s.usec / s.calls).toFixed(1)}`,
    );
  for (const w of workers) w.send({ phase: 'stop' });
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
} finally {
  await env.close();
}
