/**
 * Crash stress (DESIGN.md §7): WORKERS processes using the built package do random operations on
 * an exclusive and a shared-mode pool while a killer SIGKILLs and restarts one every 0.3–0.5 s.
 * The watcher checks INV-1 … INV-4 and INV-6 on atomic snapshots; the oracle checks INV-5.
 * STRESS_SECONDS sets the duration (default 20; `npm run stress` runs 300).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisAllocator } from '../../src/index.js';
import { type Floor, formatFloors, unmetFloors } from '../helpers/floors.js';
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
  slowKey,
  WORKERS,
} from './config.js';
import { WorkerFleet } from './run-stress.js';
import { InvariantWatcher } from './watcher.js';

const SECONDS = Number(process.env.STRESS_SECONDS ?? 20);
/** Margin for the INV-6 probe windows (snapshot → GC → snapshot), in seconds. */
const PROBE_MARGIN = 0.1;
/** A waiting instance's liveness key lives max(5 s, 3 drain intervals) after its last refresh (1 s default). */
const WAITER_LIVENESS_SECONDS = 5;
/**
 * Work floors, per second of run, far below the nominal rates: every restart is a whole Node
 * start-up, which takes seconds on a saturated shared 2-core machine (other test runs beside this
 * one), and the killer then waits for half the fleet to be ready. A pass with "0 violations" means
 * something only if the run really did each kind of work it checks; the floors are printed.
 */
const FLOORS_PER_SECOND = {
  kills: 0.5,
  operations: 40,
  exclusiveHolds: 8,
  renewals: 1,
  /** Waiting mallocs, and those that gave up (aborted or timed out; the killer catches others). */
  waits: 2,
  waitsGivenUp: 0.1,
  sharedPoolOps: 5,
  snapshots: 4,
  membershipRemovals: 0.5,
  /**
   * INV-6 probes that found reclaimable keys and concluded in their window. Exclusive is lower
   * since the merge with the lease work: the deadline index (popped by mallocs that find the free
   * list empty and by every waiting instance's drain) returns a killed worker's ended lease within
   * about a second, so fewer keys stay reclaimable long enough to be probed (7-8 per 20 s seen on a
   * loaded machine, where 10 were needed before).
   */
  inv6ProbesExclusive: 0.25,
  inv6ProbesShared: 0.5,
};
/**
 * Slow cases (a worker stalled longer than its lease or oracle key guaranteed) are starvation, not
 * faults, but each is evidence-checked by the worker, and many would mean the run checked little.
 */
const MAX_SLOW_FRACTION = 0.02;
const MAX_SLOW_ALWAYS = 5;

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
      watcher = new InvariantWatcher(redis, prefix, [
        {
          label: 'exclusive',
          allocator: exclusive,
          members: EXCLUSIVE_KEYS,
          reclaimWindow: LEASE_SECONDS - PROBE_MARGIN,
          abandonLeaseBeforeProbe: true,
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

      // Settled state: once every dead lease and quarantine has run out, and the liveness keys of
      // killed waiters too (until then their queued tickets still take keys handed back), GC
      // returns every key.
      await sleep(Math.max(LEASE_SECONDS, MAX_QUARANTINE_SECONDS, WAITER_LIVENESS_SECONDS) + 0.5);
      const leftovers = await watcher.settledLeftovers();

      const doubles = await redis.lrange(doublesKey(prefix), 0, -1);
      const anomalies = await redis.lrange(anomaliesKey(prefix), 0, -1);
      const slow = await redis.lrange(slowKey(prefix), 0, -1);
      const { totals } = fleet;
      const perSecond = (rate: number) => Math.floor(rate * SECONDS);
      const floors: Floor[] = [
        { figure: 'kills', seen: fleet.kills, min: perSecond(FLOORS_PER_SECOND.kills) },
        { figure: 'operations', seen: totals.ops, min: perSecond(FLOORS_PER_SECOND.operations) },
        { figure: 'exclusive holds', seen: totals.claims, min: perSecond(FLOORS_PER_SECOND.exclusiveHolds) },
        { figure: 'renewals', seen: totals.renewals, min: perSecond(FLOORS_PER_SECOND.renewals) },
        { figure: 'waiting mallocs', seen: totals.waits, min: perSecond(FLOORS_PER_SECOND.waits) },
        {
          figure: 'waits given up (aborted or timed out)',
          seen: totals.waitsGivenUp,
          min: perSecond(FLOORS_PER_SECOND.waitsGivenUp),
        },
        {
          figure: 'shared-pool operations',
          seen: totals.sharedOps,
          min: perSecond(FLOORS_PER_SECOND.sharedPoolOps),
        },
        { figure: 'snapshots checked', seen: watcher.snapshots, min: perSecond(FLOORS_PER_SECOND.snapshots) },
        {
          figure: 'membership removals',
          seen: totals.removals,
          min: perSecond(FLOORS_PER_SECOND.membershipRemovals),
        },
        {
          figure: 'INV-6 probes with reclaimable keys (exclusive)',
          seen: watcher.gcProbes.exclusive ?? 0,
          min: perSecond(FLOORS_PER_SECOND.inv6ProbesExclusive),
        },
        {
          figure: 'INV-6 probes with reclaimable keys (shared)',
          seen: watcher.gcProbes.shared ?? 0,
          min: perSecond(FLOORS_PER_SECOND.inv6ProbesShared),
        },
      ];
      const maxSlow = Math.max(MAX_SLOW_ALWAYS, Math.floor(MAX_SLOW_FRACTION * totals.claims));
      console.log(
        `crash stress ${SECONDS} s, ${WORKERS} workers: ${totals.empty} empty mallocs, ` +
          `${watcher.restores} licensed restores, ${watcher.abandoned} leases abandoned by the watcher, ` +
          `INV-6 probed keys ${JSON.stringify(watcher.probedKeys)}, ` +
          `${watcher.violationCount} violations, ${doubles.length} double allocations, ` +
          `${anomalies.length} lease anomalies, ${slow.length} slow cases (ceiling ${maxSlow}), ` +
          `median worker start ${median(fleet.startSeconds).toFixed(1)} s\n` +
          formatFloors('crash stress floors (figure, seen, floor):', floors) +
          (slow.length > 0 ? `\nslow cases:\n  ${slow.slice(0, 10).join('\n  ')}` : ''),
      );

      expect(fleet.failures, 'worker failures').toEqual([]);
      expect(watcher.violations, 'watcher: INV-1…4, INV-6 and membership violations').toEqual([]);
      expect(doubles, 'double allocations').toEqual([]);
      expect(anomalies, 'lease anomalies').toEqual([]);
      expect(leftovers, 'settled pool: members not back on the free list').toEqual([]);
      expect(unmetFloors(floors), 'work floors').toEqual([]);
      expect(slow.length, slow.join('\n')).toBeLessThanOrEqual(maxSlow);
    },
    (SECONDS + 180) * 1000,
  );
});

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
