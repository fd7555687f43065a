/**
 * OpenTelemetry instruments for the allocator hooks. The library never imports
 * `@opentelemetry/api` (an optional peer): the user passes a `Meter` from it, and this module only
 * calls the few methods typed below. Attributes are the pool identity and an outcome, never a
 * resource key, so cardinality stays at pools × outcomes.
 *
 * Cost: one SDK measurement costs ~2.5 µs (attribute hashing), about a tenth of a whole malloc+free
 * pair's client CPU. So counts are kept in plain fields and reported by observable counters when
 * the SDK collects (exact, free per operation), and only the first malloc after each
 * `sampleInterval` of a pool is measured (one clock read for the others): its latency, and its
 * hold time when it is released (a time-uniform sample of both distributions).
 */
import type { AllocatorHooks, MallocOutcome } from './hooks.js';

type Attributes = Record<string, string>;

interface InstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** The part of an OpenTelemetry `Meter` (`@opentelemetry/api` ≥ 1.4) the allocator uses. */
export interface MeterLike {
  createHistogram(
    name: string,
    options?: InstrumentOptions,
  ): {
    record(value: number, attributes?: Attributes): void;
  };
  createObservableCounter(
    name: string,
    options?: InstrumentOptions,
  ): {
    addCallback(callback: (result: { observe(value: number, attributes?: Attributes): void }) => void): void;
  };
}

/** Latency buckets in seconds: 0.1 ms … 10 s (Redis calls are sub-millisecond on a LAN). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 10];
/** Wait-time buckets in seconds: 1 ms … 1 h. */
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 3600];
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
  waitDuration: 'redis_allocator.wait.duration',
  handOffs: 'redis_allocator.handoffs',
} as const;

/** The pool identity every measurement carries. */
export interface PoolIdentity {
  /** The pool hash key (`prefix|suffix|pool`). */
  readonly pool: string;
  readonly mode: 'exclusive' | 'shared';
}

export interface MeterHooksOptions {
  /** Seconds between two recorded histogram measurements of one pool. Default 0.001; 0 = all. */
  readonly sampleInterval?: number;
}

/** One set of hooks per meter and pool: allocators of the same pool share counts and callbacks. */
const shared = new WeakMap<MeterLike, Map<string, AllocatorHooks>>();

/** Hooks that record into instruments created on `meter`. */
export function meterHooks(
  meter: MeterLike,
  identity: PoolIdentity,
  options: MeterHooksOptions = {},
): AllocatorHooks {
  const id = `${identity.mode}\u0000${identity.pool}\u0000${options.sampleInterval ?? ''}`;
  const pools = shared.get(meter) ?? new Map<string, AllocatorHooks>();
  shared.set(meter, pools);
  const hooks = pools.get(id) ?? new PoolInstruments(meter, identity, options);
  pools.set(id, hooks);
  return hooks;
}

type Counts<O extends string> = Record<O, number>;

class PoolInstruments implements AllocatorHooks {
  private readonly mallocs: Counts<MallocOutcome> = { acquired: 0, empty: 0, error: 0 };
  private readonly releases: Counts<'released' | 'lost'> = { released: 0, lost: 0 };
  private readonly renewals: Counts<'renewed' | 'lost'> = { renewed: 0, lost: 0 };
  private reclaimed = 0;
  /** Keys handed to this process's queued waiters. */
  private handOffs = 0;
  private readonly sampleMs: number;
  /** `performance.now()` from which the next malloc is measured (latency, and hold time). */
  private nextSample = 0;
  /** Start of the measured leases' holds (from their malloc call), keyed by the lease object. */
  private readonly holdStarts = new WeakMap<object, number>();
  private readonly attributes: Record<string, Attributes>;
  private readonly poolAttributes: Attributes;
  private readonly mallocDuration: ReturnType<MeterLike['createHistogram']>;
  private readonly holdDuration: ReturnType<MeterLike['createHistogram']>;
  private readonly waitDuration: ReturnType<MeterLike['createHistogram']>;

  constructor(meter: MeterLike, identity: PoolIdentity, options: MeterHooksOptions) {
    this.sampleMs = (options.sampleInterval ?? 0.001) * 1000;
    this.poolAttributes = Object.freeze({
      'redis_allocator.pool': identity.pool,
      'redis_allocator.mode': identity.mode,
    });
    // One frozen attribute object per outcome: nothing is allocated per measurement.
    this.attributes = {};
    for (const outcome of ['acquired', 'empty', 'error', 'released', 'lost', 'renewed'])
      this.attributes[outcome] = Object.freeze({ ...this.poolAttributes, outcome });

    this.mallocDuration = meter.createHistogram(METRIC_NAMES.mallocDuration, {
      description: 'Time of one malloc call, Redis round trip included (time-sampled)',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    this.holdDuration = meter.createHistogram(METRIC_NAMES.holdDuration, {
      description: 'Time from malloc to release of a lease in this process (time-sampled)',
      unit: 's',
      advice: { explicitBucketBoundaries: HOLD_BUCKETS },
    });
    // Every queued wait is recorded (not sampled): a wait costs a queue entry, a mailbox message
    // and at least a Redis round trip more than a measurement.
    this.waitDuration = meter.createHistogram(METRIC_NAMES.waitDuration, {
      description: 'Time a waiting malloc spent queued, by outcome (acquired = handed a key)',
      unit: 's',
      advice: { explicitBucketBoundaries: WAIT_BUCKETS },
    });
    this.observe(meter, METRIC_NAMES.mallocs, 'Mallocs by outcome', this.mallocs);
    this.observe(meter, METRIC_NAMES.releases, 'Token-checked releases by outcome', this.releases);
    this.observe(meter, METRIC_NAMES.renewals, 'Lease renewals by outcome', this.renewals);
    meter
      .createObservableCounter(METRIC_NAMES.gcReclaimed, {
        description: 'Ended leases returned to the free list by explicit gc() steps',
      })
      .addCallback((result) => result.observe(this.reclaimed, this.poolAttributes));
    meter
      .createObservableCounter(METRIC_NAMES.handOffs, {
        description: "Returning keys handed to this process's queued waiters",
      })
      .addCallback((result) => result.observe(this.handOffs, this.poolAttributes));
  }

  mallocBegins(): number {
    const now = performance.now();
    if (now < this.nextSample) return -1;
    this.nextSample = now + this.sampleMs;
    return now;
  }

  mallocEnds(lease: object | null, begun: number, failed: boolean): void {
    const outcome: MallocOutcome = failed ? 'error' : lease === null ? 'empty' : 'acquired';
    this.mallocs[outcome]++;
    if (begun < 0) return; // not a sampled malloc: counted only
    this.mallocDuration.record((performance.now() - begun) / 1000, this.attributes[outcome]);
    if (lease !== null) this.holdStarts.set(lease, begun);
  }

  release(lease: object, outcome: 'released' | 'lost'): void {
    this.releases[outcome]++;
    const since = this.holdStarts.get(lease);
    if (since === undefined) return;
    this.holdStarts.delete(lease);
    this.holdDuration.record((performance.now() - since) / 1000, this.attributes[outcome]);
  }

  renew(outcome: 'renewed' | 'lost'): void {
    this.renewals[outcome]++;
  }

  gcReclaimed(reclaimed: number): void {
    this.reclaimed += reclaimed;
  }

  waitEnds(outcome: MallocOutcome, seconds: number): void {
    if (outcome === 'acquired') this.handOffs++;
    this.waitDuration.record(seconds, this.attributes[outcome]);
  }

  private observe(meter: MeterLike, name: string, description: string, counts: Record<string, number>): void {
    meter.createObservableCounter(name, { description }).addCallback((result) => {
      for (const [outcome, value] of Object.entries(counts)) result.observe(value, this.attributes[outcome]);
    });
  }
}
