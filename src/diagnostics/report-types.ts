/**
 * The shape of a diagnostics report: plain JSON (numbers, strings, booleans, arrays, objects), so
 * `JSON.stringify(report)` is the wire format of the CLI's `--json` and the dashboard's API.
 *
 * A new section plugs in as one field here plus one builder call in `report.ts` (`buildSections`).
 */

import type { InvariantId, Violation } from './invariants.js';
import type { CommandStat, SlowCommand } from './redis-access.js';

/** `corrupt`: an invariant is broken; `degraded`: a warning-level recommendation; else `healthy`. */
export type Health = 'healthy' | 'degraded' | 'corrupt';

export type Severity = 'info' | 'warning' | 'critical';

/** Stable codes: scripts and alerts may match on them. The first seven are upstream's. */
export type RecommendationCode =
  | 'integrity-corrupt'
  | 'orphan-locks'
  | 'scan-truncated'
  | 'permanent-locks'
  | 'low-free-capacity'
  | 'stale-bindings'
  | 'high-eval-pressure'
  | 'pool-missing'
  | 'locked-on-free-list'
  | 'reclaimable-backlog'
  | 'slow-snapshot'
  | 'waiters-stuck'
  | 'long-wait';

export interface Recommendation {
  readonly code: RecommendationCode;
  readonly severity: Severity;
  readonly message: string;
}

/** Which pool the report is about. */
export interface IdentitySection {
  /** The prefix the keys use (on a cluster: with the `{…}` hash tag the allocator added). */
  readonly prefix: string;
  readonly suffix: string;
  readonly shared: boolean;
  readonly mode: 'exclusive' | 'shared';
  /** Redis key of the pool hash. */
  readonly poolKey: string;
  /** False when there is no pool hash at `poolKey` (every counter is then 0). */
  readonly exists: boolean;
  /**
   * The pool's fence counter (`P|S|pool|fence`): the fence of the latest exclusive allocation, 0
   * before the first, read in the same snapshot script. Each lease's own fence is in `leases`.
   */
  readonly fence: number;
}

export interface IntegritySection {
  /** No violation of the checked invariants (nor of the entry encoding). */
  readonly ok: boolean;
  /**
   * `atomic`: one script read the whole pool. `chunked` (option `chunkSize`): several scripts at
   * different instants; each entry is consistent with its lock, but the free list is not walked.
   */
  readonly consistency: 'atomic' | 'chunked';
  /** INV-1…INV-4 and the waiter queue's WAIT-1…WAIT-3 when atomic; INV-3, INV-4 when chunked. */
  readonly checked: readonly InvariantId[];
  readonly violations: Violation[];
  /**
   * Exclusive mode: free entries with a live lock. The inherited lock API (`lock`, `rlock`,
   * `update`) may write such a lock on purpose; malloc and GC take the key off the free list, so
   * the pool is `degraded`, not corrupt (DESIGN.md §12).
   */
  readonly lockedOnFreeList: number;
  readonly lockedOnFreeListSamples: string[];
}

/** Counts of pool entries by state, all from the one atomic snapshot. */
export interface PoolCounters {
  /** Entries in the pool hash. */
  readonly total: number;
  /** On the free list. */
  readonly free: number;
  /** Entries marked allocated (held, quarantined or waiting for GC). */
  readonly allocated: number;
  /** Entries with a live lock key. */
  readonly locked: number;
  /** Allocated with a live lease (exclusive mode; shared mode holds no locks). */
  readonly held: number;
  /** Locked by a quarantine: every lock in shared mode; the `"quarantine"` lock value otherwise. */
  readonly quarantined: number;
  /** Resting after `release({ cooldown })` (lock value `"#cooldown"`): not held, back by itself. */
  readonly cooling: number;
  /** Entries whose lifetime ended (`0 < expiry <= now`); GC or the next malloc drops them. */
  readonly expired: number;
  /** Allocated without a lock and not expired: a lease ended, GC will return the key. */
  readonly reclaimable: number;
  /** Locks without a TTL. */
  readonly permanentLocks: number;
  /** Exclusive mode: free entries with a live lock (see `IntegritySection.lockedOnFreeList`). */
  readonly lockedOnFreeList: number;
}

/** One queued waiter (DESIGN.md §10). */
export interface WaiterSample {
  /** Ticket id `<instance>:<n>`. */
  readonly ticket: string;
  /** Queue arrival number (zero-padded; lower = queued earlier). */
  readonly arrival: string;
  readonly priority: number;
  /** The allocator instance that waits (its mailbox gets the hand-off). */
  readonly instance: string;
  /** Redis server time (Unix seconds, ms precision) at which it queued; `null` when its data is malformed. */
  readonly queuedAt: number | null;
  /** Seconds it has waited, on the Redis server's clock (`timestamp - queuedAt`). */
  readonly waitedSeconds: number;
}

/** The waiter queue, from the same snapshot script as the counters. */
export interface WaitersSection {
  /** Queued tickets. */
  readonly count: number;
  /** Queued tickets by priority (keys are the priority as text). */
  readonly byPriority: Record<string, number>;
  /** Seconds the longest-waiting queued ticket has waited (all tickets, not only the samples). */
  readonly oldestWaitSeconds: number;
  /** Hand-offs in mailboxes not yet taken by their instance. */
  readonly undeliveredHandOffs: number;
  /** Up to `sampleLimit` tickets, oldest arrival first. */
  readonly samples: WaiterSample[];
  readonly truncated: boolean;
}

/** One held key. */
export interface LeaseSample {
  readonly key: string;
  /** The lock's value: the holder's owner token (or `"quarantine"`, or a lock-API value). */
  readonly holder: string;
  /** The lease's fence, from its lock value `<token>@<fence>`; `null` for a lock without one (a Python peer's, a marker). */
  readonly fence: number | null;
  /** Seconds until the lease ends; `null` = never (a permanent lock). */
  readonly secondsLeft: number | null;
}

export interface LeasesSection {
  /** Locked entries (held and quarantined). */
  readonly count: number;
  /** Up to `sampleLimit` of them, the soonest to end first (permanent ones last). */
  readonly samples: LeaseSample[];
  readonly truncated: boolean;
}

export interface BindingSample {
  readonly name: string;
  /** The key it points at (`null` when the binding vanished between scan and read). */
  readonly key: string | null;
  readonly stale: boolean;
  /** Stored in upstream's legacy `P|S:P|S-cache:bind:<name>` shape. */
  readonly legacy: boolean;
}

/** Soft bindings: advisory (a bounded SCAN after the snapshot, not atomic with it). */
export interface BindingsSection {
  readonly total: number;
  /** Pointing at a key that is not a member or whose entry expired; a held key is not stale (F20). */
  readonly stale: number;
  readonly scanned: number;
  readonly truncated: boolean;
  readonly samples: BindingSample[];
}

/** Lock keys under the pool's lock prefix whose key is not a pool member (advisory, bounded). */
export interface OrphansSection {
  readonly count: number;
  readonly scanned: number;
  readonly truncated: boolean;
  /** Full Redis key names. */
  readonly samples: string[];
}

/** Facts about the Redis server(s); `error` is set (and numbers are 0) when they could not be read. */
export interface RedisSection {
  readonly usedMemory: number;
  readonly connectedClients: number;
  readonly commandStats: Record<string, CommandStat>;
  readonly slowlog: SlowCommand[];
  /** Script calls this process's diagnostics had sent on the connection when `commandStats` was read. */
  readonly ownScriptCalls: number;
  readonly error: string | null;
}

/** Rates between this report and the previous one (`null` without a previous report). */
export interface PressureSection {
  readonly intervalSeconds: number;
  /** Every command counted by the server, including those run inside scripts (diagnostics' own too). */
  readonly redisOpsPerSecond: number;
  /**
   * EVAL/EVALSHA (and their _RO forms) per second on the server: every allocator operation is one.
   * The diagnostics' own script calls are left out.
   */
  readonly scriptCallsPerSecond: number;
  readonly allocatorKeyspaceDelta: number;
  /** Calls per command since the previous report (positive deltas only). */
  readonly commandDeltas: Record<string, number>;
}

/** How long the report took to make. */
export interface TimingSection {
  /** Wall time of reading the pool (all its script calls), in milliseconds. */
  readonly snapshotMs: number;
  /** Script calls the read took (1 unless chunked). */
  readonly snapshotCalls: number;
  /** Wall time of the slowest of them, in ms: about the longest Redis was blocked by the report. */
  readonly longestSnapshotCallMs: number;
  /** Wall time of the whole report, in milliseconds. */
  readonly totalMs: number;
}

export interface PoolReport {
  /** Format version of this object. */
  readonly version: 1;
  /** Redis server time of the snapshot, in Unix seconds (fractional). */
  readonly timestamp: number;
  /** The same instant as an ISO 8601 string. */
  readonly generatedAt: string;
  readonly identity: IdentitySection;
  readonly health: Health;
  readonly integrity: IntegritySection;
  readonly pool: PoolCounters;
  readonly leases: LeasesSection;
  readonly waiters: WaitersSection;
  readonly bindings: BindingsSection;
  readonly orphans: OrphansSection;
  readonly redis: RedisSection;
  readonly pressure: PressureSection | null;
  readonly recommendations: Recommendation[];
  readonly timing: TimingSection;
}
