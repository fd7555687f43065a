/**
 * `/metrics`: the latest report of every pool as Prometheus gauges (prom-client writes the text
 * format). Labels: the pool key only, never a resource key (low cardinality).
 */
import { Gauge, Registry } from 'prom-client';
import type { PoolOutcome } from '../pools.js';

const HEALTH_VALUE = { healthy: 0, degraded: 1, corrupt: 2 } as const;

export class PoolMetrics {
  readonly registry = new Registry();
  private readonly priorities = new Map<string, string[]>();
  private readonly keys = this.gauge('redis_allocator_pool_keys', 'Pool keys by state', ['pool', 'state']);
  private readonly health = this.gauge(
    'redis_allocator_pool_health',
    'Pool health: 0 healthy, 1 degraded, 2 corrupt',
    ['pool'],
  );
  private readonly violations = this.gauge(
    'redis_allocator_integrity_violations',
    'Broken invariants (INV-1..INV-4, entry encoding)',
    ['pool'],
  );
  private readonly leases = this.gauge('redis_allocator_leases', 'Locked pool keys (held and quarantined)', [
    'pool',
  ]);
  private readonly waiters = this.gauge('redis_allocator_waiters', 'Queued waiters by priority', [
    'pool',
    'priority',
  ]);
  private readonly oldestWait = this.gauge(
    'redis_allocator_oldest_wait_seconds',
    'Seconds the longest-waiting queued waiter has waited (Redis server time since it queued)',
    ['pool'],
  );
  private readonly fence = this.gauge(
    'redis_allocator_fence',
    'The pool fence counter: fence of the latest exclusive allocation',
    ['pool'],
  );
  private readonly bindings = this.gauge(
    'redis_allocator_bindings',
    'Soft bindings seen by the bounded scan',
    ['pool', 'kind'],
  );
  private readonly orphans = this.gauge('redis_allocator_orphan_locks', 'Lock keys of non-members', ['pool']);
  private readonly snapshotSeconds = this.gauge(
    'redis_allocator_snapshot_seconds',
    'Wall time of the atomic snapshot call',
    ['pool'],
  );
  private readonly up = this.gauge(
    'redis_allocator_report_up',
    '1 when the last report of the pool succeeded',
    ['pool'],
  );
  private readonly usedMemory = this.gauge(
    'redis_allocator_redis_used_memory_bytes',
    'Redis used_memory',
    [],
  );
  private readonly clients = this.gauge(
    'redis_allocator_redis_connected_clients',
    'Redis connected_clients',
    [],
  );

  /** Sets every gauge from the latest reports; a failed pool keeps only `report_up 0`. */
  update(outcomes: readonly PoolOutcome[]): void {
    for (const outcome of outcomes) {
      const pool = outcome.poolKey;
      this.up.set({ pool }, outcome.report === undefined ? 0 : 1);
      const report = outcome.report;
      if (report === undefined) continue;
      for (const [state, value] of Object.entries(report.pool))
        this.keys.set({ pool, state: snake(state) }, value);
      this.health.set({ pool }, HEALTH_VALUE[report.health]);
      this.violations.set({ pool }, report.integrity.violations.length);
      this.leases.set({ pool }, report.leases.count);
      // A priority that emptied must read 0, not keep its last count: drop the pool's series first.
      for (const priority of this.priorities.get(pool) ?? []) this.waiters.remove({ pool, priority });
      const priorities = Object.keys(report.waiters.byPriority);
      for (const priority of priorities)
        this.waiters.set({ pool, priority }, report.waiters.byPriority[priority] ?? 0);
      this.waiters.set({ pool, priority: 'all' }, report.waiters.count);
      this.priorities.set(pool, priorities);
      this.oldestWait.set({ pool }, report.waiters.oldestWaitSeconds);
      this.fence.set({ pool }, report.identity.fence);
      this.bindings.set({ pool, kind: 'total' }, report.bindings.total);
      this.bindings.set({ pool, kind: 'stale' }, report.bindings.stale);
      this.orphans.set({ pool }, report.orphans.count);
      this.snapshotSeconds.set({ pool }, report.timing.snapshotMs / 1000);
      if (report.redis.error === null) {
        this.usedMemory.set(report.redis.usedMemory);
        this.clients.set(report.redis.connectedClients);
      }
    }
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}

/** `permanentLocks` → `permanent_locks`: Prometheus label values in its usual style. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
