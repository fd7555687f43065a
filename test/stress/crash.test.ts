/**
 * Crash stress (DESIGN.md §7): WORKERS processes using the built package do random operations on
 * an exclusive and a shared-mode pool while a killer SIGKILLs and restarts one every 0.3–0.5 s.
 * The watcher checks INV-1 … INV-4 and INV-6 on atomic snapshots; the oracle checks INV-5.
 * STRESS_SECONDS sets the duration (default 20; `npm run stress` runs 300).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisAllocator } from '../../src/index.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';
import { bundleWorker, type WorkerBundle } from './bundle.js';
import {
  anomaliesKey,
  doublesKey,
  EXCLUSIVE_KEYS,
  EXCLUSIVE_SUFFIX,
  LEASE_SECONDS,
  MAX_QUARANTINE_SECONDS,
  MIN_QUARANTINE_SECONDS,
  SHARED_KEYS,
  SHARED_SUFFIX,
  WORKERS,
} from './config.js';
import { WorkerFleet } from './run-stress.js';
import { InvariantWatcher } from './watcher.js';

const SECONDS = Number(process.env.STRESS_SECONDS ?? 20);
/** Margin for the INV-6 probe windows (snapshot → GC → snapshot), in seconds. */
const PROBE_MARGIN = 0.1;
/**
 * Work floors, below the nominal rates (2.5 kills/s, hundreds of operations/s): every restart is a
 * whole Node start-up, which takes seconds on a saturated shared 2-core machine, and the killer
 * then waits for half the fleet to be ready. The floors prove the run did real work.
 */
const MIN_KILLS_PER_SECOND = 0.5;
const MIN_OPS_PER_SECOND = 40;
const MIN_HOLDS_PER_SECOND = 8;
const MIN_SNAPSHOTS_PER_SECOND = 4;

const redis = testClient();
let fleet: WorkerFleet | undefined;
let bundle: WorkerBundle | undefined;
let watcher: InvariantWatcher | undefined;

// Runs on failure too: no worker process may survive the test.
afterAll(async () => {
  await fleet?.stop();
  await watcher?.stop();
  bundle?.dispose();
});

describe('crash stress', () => {
  it(
    'SIGKILLed workers never break the pool invariants nor cause a double allocation',
    async () => {
      const prefix = uniquePrefix('stress');
      const exclusive = new RedisAllocator(redis, prefix, { suffix: EXCLUSIVE_SUFFIX });
      const shared = new RedisAllocator(redis, prefix, { suffix: SHARED_SUFFIX, shared: true });
      await exclusive.extend(EXCLUSIVE_KEYS);
      await shared.extend(SHARED_KEYS);
      watcher = new InvariantWatcher([
        {
          label: 'exclusive',
          allocator: exclusive,
          members: EXCLUSIVE_KEYS,
          reclaimWindow: LEASE_SECONDS - PROBE_MARGIN,
        },
        {
          label: 'shared',
          allocator: shared,
          members: SHARED_KEYS,
          reclaimWindow: MIN_QUARANTINE_SECONDS - PROBE_MARGIN,
        },
      ]);

      bundle = await bundleWorker();
      fleet = new WorkerFleet(bundle.file, inject('redisUrl'), prefix);
      await fleet.start(120);
      watcher.start();
      fleet.startKiller();
      await sleep(SECONDS);
      await fleet.stop();
      await watcher.stop();
      expect(fleet.liveCount).toBe(0);

      // Settled state: once every dead lease and quarantine has run out, GC returns every key.
      await sleep(Math.max(LEASE_SECONDS, MAX_QUARANTINE_SECONDS) + 0.5);
      const leftovers = await watcher.settledLeftovers();

      const doubles = await redis.lrange(doublesKey(prefix), 0, -1);
      const anomalies = await redis.lrange(anomaliesKey(prefix), 0, -1);
      const { totals } = fleet;
      console.log(
        `crash stress ${SECONDS} s, ${WORKERS} workers: ${totals.ops} operations, ${totals.claims} exclusive holds, ` +
          `${totals.renewals} renewals, ${totals.empty} empty mallocs, ${fleet.kills} kills, ` +
          `${watcher.snapshots} snapshots checked, ${watcher.gcProbes} INV-6 probes, ` +
          `${watcher.violationCount} violations, ${doubles.length} double allocations, ` +
          `${anomalies.length} lease anomalies, ${totals.slow} slow claims, ` +
          `median worker start ${median(fleet.startSeconds).toFixed(1)} s`,
      );

      expect(fleet.failures).toEqual([]);
      expect(watcher.violations).toEqual([]);
      expect(doubles).toEqual([]);
      expect(anomalies).toEqual([]);
      expect(leftovers).toEqual([]);
      expect(fleet.kills).toBeGreaterThanOrEqual(MIN_KILLS_PER_SECOND * SECONDS);
      expect(totals.ops).toBeGreaterThanOrEqual(MIN_OPS_PER_SECOND * SECONDS);
      expect(totals.claims).toBeGreaterThanOrEqual(MIN_HOLDS_PER_SECOND * SECONDS);
      expect(watcher.snapshots).toBeGreaterThanOrEqual(MIN_SNAPSHOTS_PER_SECOND * SECONDS);
    },
    (SECONDS + 180) * 1000,
  );
});

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
