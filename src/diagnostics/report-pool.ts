/** The sections of a report that come from the one atomic snapshot: integrity, counters, leases. */
import { COOLDOWN_LOCK_VALUE, describeLock } from '../allocator/holder.js';
import { checkInvariants, type InvariantId, reclaimableKeys } from './invariants.js';
import type { IntegritySection, LeaseSample, LeasesSection, PoolCounters } from './report-types.js';
import { isEntryExpired, type PoolSnapshot } from './snapshot.js';

/** The lock value `setUnhealthy` writes in shared mode. */
export const QUARANTINE_VALUE = 'quarantine';

/**
 * INV-1…INV-4 with the F20 rules: in shared mode a lock on a free entry is a quarantine in
 * progress; in exclusive mode it is counted as `lockedOnFreeList` (degraded), not a violation.
 */
export function integritySection(
  snapshot: PoolSnapshot,
  shared: boolean,
  sampleLimit: number,
  chunked: boolean,
): IntegritySection {
  // A chunked read mixes instants: the free-list walks would report phantoms (upstream L19), and
  // so would the queue-to-entry checks (its queue comes from the first chunk only).
  const queue: InvariantId[] = snapshot.waiting === undefined ? [] : ['WAIT-1', 'WAIT-2', 'WAIT-3'];
  const checked: InvariantId[] = chunked
    ? ['INV-3', 'INV-4']
    : ['INV-1', 'INV-2', 'INV-3', 'INV-4', ...queue];
  const violations = checkInvariants(snapshot, { shared }).filter(
    (v) => v.invariant === 'ENCODING' || (v.invariant !== 'INV-4' && checked.includes(v.invariant)),
  );
  const locked = lockedOnFreeList(snapshot, shared);
  return {
    ok: violations.length === 0,
    consistency: chunked ? 'chunked' : 'atomic',
    checked,
    violations,
    lockedOnFreeList: locked.length,
    lockedOnFreeListSamples: locked.slice(0, sampleLimit),
  };
}

function lockedOnFreeList(snapshot: PoolSnapshot, shared: boolean): string[] {
  if (shared) return [];
  const keys: string[] = [];
  for (const entry of snapshot.entries.values())
    if (!entry.allocated && entry.lockTtlMs !== null) keys.push(entry.key);
  return keys;
}

export function poolCounters(snapshot: PoolSnapshot, shared: boolean): PoolCounters {
  let free = 0;
  let allocated = 0;
  let locked = 0;
  let held = 0;
  let quarantined = 0;
  let cooling = 0;
  let expired = 0;
  let permanentLocks = 0;
  let lockedFree = 0;
  for (const entry of snapshot.entries.values()) {
    if (entry.allocated) allocated++;
    else free++;
    if (isEntryExpired(entry, snapshot.now)) expired++;
    if (entry.lockTtlMs === null) continue;
    locked++;
    if (entry.lockTtlMs === -1) permanentLocks++;
    if (shared || entry.lockValue === QUARANTINE_VALUE) quarantined++;
    else if (entry.lockValue === COOLDOWN_LOCK_VALUE) cooling++;
    else if (entry.allocated) held++;
    else lockedFree++;
  }
  return {
    total: snapshot.entries.size,
    free,
    allocated,
    locked,
    held,
    quarantined,
    cooling,
    expired,
    reclaimable: reclaimableKeys(snapshot).length,
    permanentLocks,
    lockedOnFreeList: lockedFree,
  };
}

/** Every locked entry with its holder; the `sampleLimit` soonest to end are kept. */
export function leasesSection(snapshot: PoolSnapshot, sampleLimit: number): LeasesSection {
  const leases: LeaseSample[] = [];
  for (const entry of snapshot.entries.values()) {
    if (entry.lockTtlMs === null) continue;
    leases.push({
      key: entry.key,
      holder: entry.lockValue ?? '',
      fence: entry.lockValue ? describeLock(entry.lockValue).fence : null,
      secondsLeft: entry.lockTtlMs === -1 ? null : entry.lockTtlMs / 1000,
    });
  }
  const order = (lease: LeaseSample) => lease.secondsLeft ?? Number.POSITIVE_INFINITY;
  leases.sort((a, b) => order(a) - order(b) || (a.key < b.key ? -1 : 1));
  return {
    count: leases.length,
    samples: leases.slice(0, sampleLimit),
    truncated: leases.length > sampleLimit,
  };
}
