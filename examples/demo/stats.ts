/**
 * Everything the demo counts, fed by worker events, the fleet and the watcher. Plain state, no
 * I/O: the table and the summary only read it.
 */
import type { PoolSnapshot, Violation } from 'redis-allocator';
import type { WorkerEvent } from './messages.js';
import type { PoolCounts } from './watcher.js';

/** A malloc that took this long (ms) waited in the queue rather than finding a proxy free. */
const WAITED_MS = 20;

/** A lock left behind for GC to clean up after: a killed worker's lease or a quarantine. */
interface Orphan {
  readonly reason: 'killed' | 'quarantined';
  /** The lock value while the orphan is still locked. */
  readonly token: string;
}

export class DemoStats {
  allocations = 0;
  /** Allocations that got the same proxy as the worker's previous one (soft binding). */
  sticky = 0;
  releases = 0;
  renewals = 0;
  quarantines = 0;
  /** "No proxy came free within the wait" answers. */
  empty = 0;
  /** Allocations that waited in the fair queue (the malloc took at least `WAITED_MS`). */
  waits = 0;
  longestWaitMs = 0;
  /** Highest fencing token seen, and fences handed out twice (must be 0: fences strictly increase). */
  maxFence = 0;
  repeatedFences = 0;
  private readonly fences = new Set<number>();
  /** Leases found gone only after their TTL could have run out (a stalled worker): harmless. */
  lateLosses = 0;
  /** Leases found gone while they had to be alive: someone took a live lease. */
  earlyLosses = 0;
  doubleAllocations = 0;
  kills = 0;
  restarts = 0;
  /** Dead leases and ended quarantines back in service. */
  reclaimed = 0;
  proxiesAdded = 0;
  proxiesRetired = 0;
  snapshots = 0;
  /** Background problems the library logged in the workers (not failures). */
  warnings = 0;
  readonly violations: Violation[] = [];
  readonly problems: string[] = [];
  counts: PoolCounts = { members: 0, free: 0, held: 0, quarantined: 0, awaitingGc: 0 };

  private readonly orphans = new Map<string, Orphan>();
  private members: Set<string> | null = null;
  private readonly recentAllocations: number[] = [];

  /** Records one worker event. */
  onEvent(worker: string, event: WorkerEvent, now: number = Date.now()): void {
    switch (event.type) {
      case 'acquired':
        this.allocations++;
        if (event.sticky) this.sticky++;
        if (event.waitedMs >= WAITED_MS) this.waits++;
        this.longestWaitMs = Math.max(this.longestWaitMs, event.waitedMs);
        if (this.fences.has(event.fence)) {
          this.repeatedFences++;
          this.problems.push(`${worker} got fence ${event.fence} on ${event.key}, already handed out`);
        }
        this.fences.add(event.fence);
        this.maxFence = Math.max(this.maxFence, event.fence);
        this.recentAllocations.push(now);
        this.backInService(event.key);
        break;
      case 'released':
        this.releases++;
        break;
      case 'renewed':
        this.renewals++;
        break;
      case 'quarantined':
        this.quarantines++;
        this.orphans.set(event.key, { reason: 'quarantined', token: event.token });
        break;
      case 'empty':
        this.empty++;
        break;
      case 'lost':
        if (event.early) {
          this.earlyLosses++;
          this.problems.push(`${worker}: its live lease on ${event.key} was gone at ${event.stage}`);
        } else {
          this.lateLosses++;
        }
        break;
      case 'double':
        this.doubleAllocations++;
        this.problems.push(`${worker} got ${event.key} while ${event.holder} held it`);
        break;
      case 'warning':
        this.warnings++;
        break;
      case 'error':
        this.problems.push(`${worker} failed: ${event.message}`);
        break;
      case 'ready':
        break;
    }
  }

  /** A killed worker's lease (`token`) on `key` is still live: GC must bring the proxy back after it ends. */
  orphaned(key: string, token: string): void {
    this.orphans.set(key, { reason: 'killed', token });
  }

  /** True when `lockValue` is the lock of a quarantine of `key` that has not ended yet. */
  isQuarantine(key: string, lockValue: string | null): boolean {
    const orphan = this.orphans.get(key);
    return orphan?.reason === 'quarantined' && orphan.token === lockValue;
  }

  /** Records one watcher tick. */
  observed(snapshot: PoolSnapshot, counts: PoolCounts, violations: Violation[]): void {
    this.snapshots++;
    this.counts = counts;
    this.violations.push(...violations);
    const members = new Set(snapshot.entries.keys());
    if (this.members !== null) {
      for (const key of members) if (!this.members.has(key)) this.proxiesAdded++;
      for (const key of this.members) if (!members.has(key)) this.proxiesRetired++;
    }
    this.members = members;
    for (const key of this.orphans.keys()) {
      const entry = snapshot.entries.get(key);
      if (entry === undefined)
        this.orphans.delete(key); // retired by the updater meanwhile
      else if (!entry.allocated) this.backInService(key);
    }
  }

  /** Allocations per second over the last `windowSeconds`. */
  allocationRate(now: number = Date.now(), windowSeconds = 2): number {
    const since = now - windowSeconds * 1000;
    while (this.recentAllocations.length > 0 && this.recentAllocations[0]! < since)
      this.recentAllocations.shift();
    return this.recentAllocations.length / windowSeconds;
  }

  /** Failures that make the demo exit non-zero. */
  failures(): string[] {
    const failures: string[] = [];
    if (this.doubleAllocations > 0) failures.push(`${this.doubleAllocations} double allocation(s)`);
    if (this.earlyLosses > 0) failures.push(`${this.earlyLosses} live lease(s) taken away`);
    if (this.violations.length > 0) failures.push(`${this.violations.length} invariant violation(s)`);
    if (this.repeatedFences > 0) failures.push(`${this.repeatedFences} repeated fence(s)`);
    const other = this.problems.length - this.doubleAllocations - this.earlyLosses - this.repeatedFences;
    if (other > 0) failures.push(`${other} worker failure(s)`);
    return failures;
  }

  private backInService(key: string): void {
    if (this.orphans.delete(key)) this.reclaimed++;
  }
}
