/** What a report advises, in a stable order with stable codes; and the health it implies. */
import type { Health, PoolReport, Recommendation } from './report-types.js';

/** Script calls per second above which `high-eval-pressure` is reported. */
export const HIGH_SCRIPT_RATE = 100;
/** Free share of the pool below which `low-free-capacity` is reported. */
export const LOW_FREE_SHARE = 0.1;

/** A snapshot call slower than this (ms) blocks other clients noticeably: `slow-snapshot`. */
export const SLOW_SNAPSHOT_MS = 50;

/** A queued ticket observed waiting longer than this (seconds) is reported: `long-wait`. */
export const LONG_WAIT_SECONDS = 60;

type Facts = Omit<PoolReport, 'health' | 'recommendations' | 'timing'>;

/** Upstream's seven codes in upstream's order, then ours. */
export function recommend(report: Facts, longestSnapshotCallMs = 0): Recommendation[] {
  const { integrity, pool, orphans, bindings, pressure, identity, waiters } = report;
  const out: Recommendation[] = [];
  const add = (code: Recommendation['code'], severity: Recommendation['severity'], message: string) =>
    out.push({ code, severity, message });
  if (!integrity.ok)
    add(
      'integrity-corrupt',
      'critical',
      `${integrity.violations.length} invariant violation(s): the pool is damaged`,
    );
  if (orphans.count > 0)
    add('orphan-locks', 'warning', `${orphans.count} lock key(s) of keys that are not pool members`);
  if (orphans.truncated || bindings.truncated)
    add(
      'scan-truncated',
      'info',
      'an advisory scan stopped at its limit: counts are lower bounds (raise scanLimit)',
    );
  if (pool.permanentLocks > 0)
    add(
      'permanent-locks',
      'info',
      `${pool.permanentLocks} lock(s) never expire: released only by an explicit free`,
    );
  if (pool.total > 0 && pool.free / pool.total < LOW_FREE_SHARE)
    add('low-free-capacity', 'warning', `only ${pool.free} of ${pool.total} keys are free`);
  if (bindings.stale > 0)
    add(
      'stale-bindings',
      'info',
      `${bindings.stale} soft binding(s) point at keys that left the pool or expired`,
    );
  // A rate over a few milliseconds is one call's worth of noise: judge it over a second or more.
  if (pressure !== null && pressure.intervalSeconds >= 1 && pressure.scriptCallsPerSecond > HIGH_SCRIPT_RATE)
    add(
      'high-eval-pressure',
      'info',
      `${pressure.scriptCallsPerSecond.toFixed(0)} script calls/s on the server`,
    );
  if (!identity.exists)
    add('pool-missing', 'warning', `no pool at ${identity.poolKey}: wrong prefix or suffix, or never filled`);
  if (integrity.lockedOnFreeList > 0)
    add(
      'locked-on-free-list',
      'warning',
      `${integrity.lockedOnFreeList} free key(s) carry a lock (set through the lock API); malloc and GC skip them`,
    );
  if (pool.reclaimable > 0 && pool.reclaimable >= Math.max(1, pool.total / 2))
    add(
      'reclaimable-backlog',
      'warning',
      `${pool.reclaimable} ended lease(s) wait for GC: is anything running gc?`,
    );
  if (longestSnapshotCallMs > SLOW_SNAPSHOT_MS && integrity.consistency === 'atomic')
    add(
      'slow-snapshot',
      'info',
      `the atomic snapshot took ${longestSnapshotCallMs.toFixed(0)} ms, blocking Redis meanwhile: consider chunkSize (--chunk-size)`,
    );
  // Every key that comes back is offered to the queue in the same script, so in one atomic read
  // a free key beside a queued ticket means nothing handed it over (e.g. a Python peer's free,
  // until a drain runs; or waiters whose instances died). Chunked reads mix instants: not judged.
  if (waiters.count > 0 && pool.free > 0 && integrity.consistency === 'atomic')
    add(
      'waiters-stuck',
      'warning',
      `${waiters.count} waiter(s) queued while ${pool.free} key(s) are free: hand-off is stuck (are the waiting instances alive?)`,
    );
  if (waiters.oldestWaitSeconds > LONG_WAIT_SECONDS)
    add(
      'long-wait',
      'warning',
      `the oldest waiter has waited ${waiters.oldestWaitSeconds.toFixed(0)} s or more: the pool is too small for its demand, or leases are held too long`,
    );
  return out;
}

/** `corrupt` on any violation; `degraded` on a warning; otherwise `healthy` (info does not degrade). */
export function healthOf(integrityOk: boolean, recommendations: readonly Recommendation[]): Health {
  if (!integrityOk) return 'corrupt';
  return recommendations.some((r) => r.severity !== 'info') ? 'degraded' : 'healthy';
}
