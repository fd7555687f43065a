/**
 * Keep-alive crash stress (DESIGN.md §11): worker processes hold keys with `using()` (kept alive,
 * often past the lease) and act on them through a fenced store, while the test SIGKILLs some and
 * SIGSTOPs others for longer than their lease. Checked:
 * - no two holders ever act on one key with the same fence;
 * - a holder that resumes from a pause longer than its lease is told (`unreachable` or `expired`)
 *   before it acts again;
 * - afterwards every key is back in the pool (killed holders' leases ran out and returned).
 * STRESS_SECONDS sets the duration (default 20).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisAllocator } from '../../src/index.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';

const SECONDS = Number(process.env.STRESS_SECONDS ?? 20);
const WORKERS = 4;
const KEYS = ['a', 'b', 'c'];
/** Lease of every hold, seconds: short, so pauses longer than it are cheap. */
const LEASE = 1.2;
/** Pause of a SIGSTOPped worker, seconds: longer than its lease. */
const PAUSE = LEASE + 1;
/** Pauses after the timed run while no paused holder was told yet. */
const EXTRA_PAUSES = 8;

const redis = testClient();
const workers = new Set<ChildProcess>();

afterAll(() => {
  for (const child of workers) child.kill('SIGKILL');
});

function spawnWorker(prefix: string, holder: string, fault = ''): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['test/stress/keep-alive-worker.mjs'], {
    env: {
      ...process.env,
      STRESS_URL: inject('redisUrl'),
      STRESS_PREFIX: prefix,
      STRESS_HOLDER: holder,
      STRESS_LEASE: String(LEASE),
      STRESS_FAULT: fault,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  workers.add(child);
  child.on('exit', () => workers.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code, signal) => reject(new Error(`worker exited early: ${code ?? signal}`)));
  });
}

describe('keep-alive crash stress', () => {
  it(
    'paused holders learn of their loss before acting again, and no fence is ever used by two holders',
    async () => {
      const prefix = uniquePrefix('keepalive-stress');
      const allocator = new RedisAllocator(redis, prefix);
      await allocator.extend(KEYS);
      let generation = 0;
      const start = async () => spawnWorker(prefix, `worker-${generation++}`);
      for (let i = 0; i < WORKERS; i++) await start();
      let kills = 0;
      let pauses = 0;
      const end = performance.now() + SECONDS * 1000;
      /** True once a paused holder was told: a pause that lands between two holds tells nobody. */
      const someoneTold = async () =>
        Object.keys(await redis.hgetall(`${prefix}|stats`)).some((field) => field.startsWith('pausedTold:'));
      // After the timed run, pauses only (at most EXTRA_PAUSES) until one was told: a run of
      // pauses that all miss a hold would otherwise fail the check below by chance (seen once
      // in a full-suite run: 0 of 4 pauses told).
      let extra = 0;
      while (performance.now() < end || (extra++ < EXTRA_PAUSES && !(await someoneTold()))) {
        await sleep(0.8 + Math.random() * 0.6);
        const victim = [...workers][Math.floor(Math.random() * workers.size)];
        if (victim === undefined) continue;
        if (performance.now() < end && Math.random() < 0.5) {
          victim.kill('SIGKILL');
          kills++;
          await start();
        } else {
          victim.kill('SIGSTOP');
          pauses++;
          await sleep(PAUSE);
          victim.kill('SIGCONT');
        }
      }
      await sleep(0.5); // a worker resumed just now records what it was told
      for (const child of workers) child.kill('SIGKILL');
      await sleep(LEASE + 0.5); // every lease of a killed worker has run out
      await allocator.gc(10);

      const stats = await redis.hgetall(`${prefix}|stats`);
      const violations = await redis.lrange(`${prefix}|violations`, 0, -1);
      console.log(
        `keep-alive stress ${SECONDS} s, ${WORKERS} workers: ${kills} kills, ${pauses} pauses of ${PAUSE} s, ` +
          `stats ${JSON.stringify(stats)}, ${violations.length} violations`,
      );
      expect(violations).toEqual([]);
      expect((await allocator.getFreeList()).sort()).toEqual(KEYS);
      const n = (field: string) => Number(stats[field] ?? 0);
      expect(n('acts')).toBeGreaterThan(SECONDS * 5);
      expect(n('holds')).toBeGreaterThan(SECONDS);
      expect(kills + pauses).toBeGreaterThanOrEqual(SECONDS / 4);
      // Paused holders were told, with the reasons a passed deadline gives, or `taken`: a renewal
      // whose deadline check ran just before the SIGSTOP reaches Redis after the resume, when
      // another holder has the key (seen once in CI: 1 of 4 told so). Never `released`.
      const told = Object.keys(stats).filter((field) => field.startsWith('pausedTold:'));
      expect(told.length).toBeGreaterThan(0);
      expect(told.filter((field) => !/^pausedTold:(unreachable|expired|taken)$/.test(field))).toEqual([]);
    },
    (SECONDS + 60) * 1000,
  );
});

describe('keep-alive crash stress checks', () => {
  it.each([
    ['a holder that ignores its lost lease after a pause', 'untold', 1, true, /still holding/],
    [
      'two holders that act with one fence',
      'one-fence',
      2,
      false,
      /acted on by worker-0 and worker-1|acted on by worker-1 and worker-0/,
    ],
  ])(
    'catch %s',
    async (_label, fault, count, pause, expected) => {
      const prefix = uniquePrefix('keepalive-stress-fault');
      const allocator = new RedisAllocator(redis, prefix);
      await allocator.extend(['a']); // one key: the holders take turns on it
      const children: ChildProcess[] = [];
      for (let i = 0; i < count; i++) children.push(await spawnWorker(prefix, `worker-${i}`, fault));
      // Pause only once the first worker holds the key: on a loaded machine start-up alone can take
      // longer than a fixed delay, and a pause before the first hold proves nothing.
      const started = Date.now();
      while (!(await redis.exists(allocator.redisKeys.lockPrefix + 'a')) && Date.now() - started < 15_000) {
        await sleep(0.05);
      }
      await sleep(0.3);
      let violations: string[] = [];
      // Up to three pauses: one that lands between two holds (release, then malloc) tests nothing,
      // while a checker that misses the fault misses it every time.
      for (let attempt = 0; attempt < (pause ? 3 : 1) && violations.length === 0; attempt++) {
        if (pause) {
          children[0]!.kill('SIGSTOP');
          await sleep(PAUSE);
          children[0]!.kill('SIGCONT');
        }
        // Watch until the check reports (a loaded machine slows the holders' turns), at most
        // 15 s without a pause and 5 s after one.
        const watching = Date.now();
        while (violations.length === 0 && Date.now() - watching < (pause ? 5_000 : 15_000)) {
          await sleep(0.25);
          violations = await redis.lrange(`${prefix}|violations`, 0, -1);
        }
      }
      for (const child of children) child.kill('SIGKILL');
      expect(violations.length).toBeGreaterThan(0);
      expect(violations[0]).toMatch(expected);
    },
    60_000,
  );
});
