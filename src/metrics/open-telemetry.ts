/**
 * OpenTelemetry instruments for the allocator hooks. The library never imports
 * `@opentelemetry/api` (an optional peer): the user passes a `Meter` from it, and this module
 * only calls the few methods typed below. Attributes are the pool identity and an outcome, never a
 * resource key, so cardinality stays at pools × outcomes.
 */
import type { AllocatorHooks, MallocOutcome } from './hooks.js';

type Attributes = Record<string, string>;

/** The part of an OpenTelemetry `Meter` (`@opentelemetry/api` ≥ 1.4) the allocator uses. */
export interface MeterLike {
  createCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): {
    add(value: number, attributes?: Attributes): void;
  };
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string; advice?: { explicitBucketBoundaries?: number[] } },
  ): { record(value: number, attributes?: Attributes): void };
}

/** Latency buckets in seconds: 0.1 ms … 10 s (Redis calls are sub-millisecond on a LAN). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 10];
/** Hold-time buckets in seconds: 10 ms … 1 h. */
const HOLD_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

/** Metric names, exported for dashboards and tests. */
export const METRIC_NAMES = {
  mallocs: 'redis_allocator.mallocs',
  mallocDuration: 'redis_allocator.malloc.duration',
  releases: 'redis_allocator.releases',
  holdDuration: 'redis_allocator.lease.hold.duration',
  renewals: 'redis_allocator.renewals',
  gcReclaimed: 'redis_allocator.gc.reclaimed',
} as const;

/** The pool identity every measurement carries. */
export interface PoolIdentity {
  /** The pool hash key (`prefix|suffix|pool`). */
  readonly pool: string;
  readonly mode: 'exclusive' | 'shared';
}

/** Hooks that record into instruments created on `meter`. */
export function meterHooks(meter: MeterLike, identity: PoolIdentity): AllocatorHooks {
  const base = { 'redis_allocator.pool': identity.pool, 'redis_allocator.mode': identity.mode };
  // One frozen attribute object per outcome: nothing is allocated per measurement.
  const withOutcome = <O extends string>(outcomes: readonly O[]): Record<O, Attributes> => {
    const byOutcome = {} as Record<O, Attributes>;
    for (const outcome of outcomes) byOutcome[outcome] = Object.freeze({ ...base, outcome });
    return byOutcome;
  };
  const mallocAttributes = withOutcome<MallocOutcome>(['acquired', 'empty', 'error']);
  const releaseAttributes = withOutcome(['released', 'lost'] as const);
  const renewAttributes = withOutcome(['renewed', 'lost'] as const);
  const poolAttributes = Object.freeze({ ...base });

  const mallocs = meter.createCounter(METRIC_NAMES.mallocs, { description: 'Mallocs by outcome' });
  const mallocDuration = meter.createHistogram(METRIC_NAMES.mallocDuration, {
    description: 'Time of one malloc call, Redis round trip included',
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
  });
  const releases = meter.createCounter(METRIC_NAMES.releases, {
    description: 'Token-checked releases by outcome',
  });
  const holdDuration = meter.createHistogram(METRIC_NAMES.holdDuration, {
    description: 'Time from malloc to release of a lease (this process)',
    unit: 's',
    advice: { explicitBucketBoundaries: HOLD_BUCKETS },
  });
  const renewals = meter.createCounter(METRIC_NAMES.renewals, { description: 'Lease renewals by outcome' });
  const gcReclaimed = meter.createCounter(METRIC_NAMES.gcReclaimed, {
    description: 'Ended leases returned to the free list by explicit gc() steps',
  });
  // Keyed by the lease object itself: a lease dropped without release is simply forgotten.
  const started = new WeakMap<object, number>();

  return {
    malloc(outcome, seconds) {
      mallocs.add(1, mallocAttributes[outcome]);
      mallocDuration.record(seconds, mallocAttributes[outcome]);
    },
    leaseStarted(lease) {
      started.set(lease, performance.now());
    },
    release(lease, outcome) {
      releases.add(1, releaseAttributes[outcome]);
      const since = started.get(lease);
      if (since === undefined) return;
      started.delete(lease);
      holdDuration.record((performance.now() - since) / 1000, releaseAttributes[outcome]);
    },
    renew(outcome) {
      renewals.add(1, renewAttributes[outcome]);
    },
    gcReclaimed(reclaimed) {
      if (reclaimed > 0) gcReclaimed.add(reclaimed, poolAttributes);
    },
  };
}
