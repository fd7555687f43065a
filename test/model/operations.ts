/**
 * The operations of the model-based property test and their fast-check generators. Keys and names
 * come from small sets so that collisions (double frees, stale leases, re-added keys) are common.
 *
 * Every timeout is permanent (`<= 0`, `Infinity`) or long (>= 120 s): real time never decides
 * anything during a sequence; the `*Expires` operations emulate time passing (allocator-model.ts).
 */
import fc from 'fast-check';

export const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'] as const;
export const NAMES = ['n0', 'n1', 'n2'] as const;
/**
 * A lease is picked by age (0 = the latest handed out); an index past the oldest picks a forged
 * lease (a key with a token nobody holds).
 */
export const LEASE_INDEXES = 6;

export type Op =
  | { op: 'noop' }
  | { op: 'extend'; keys: string[]; timeout?: number }
  | { op: 'assign'; keys: string[]; timeout?: number }
  | { op: 'shrink'; keys: string[] }
  | { op: 'clear' }
  | { op: 'mallocKey'; timeout?: number; name?: string; cacheTimeout?: number }
  | { op: 'acquireLease'; timeout?: number; name?: string; cacheTimeout?: number; gcCount: number }
  | { op: 'acquireKey'; key: string; timeout?: number }
  | { op: 'releaseLease'; lease: number; timeout?: number; cooldown?: number }
  | { op: 'renewLease'; lease: number; timeout?: number }
  | { op: 'freeKeys'; keys: string[]; timeout?: number }
  | { op: 'updateSoftBind'; name: string; key: string; timeout?: number }
  | { op: 'unbindSoftBind'; name: string }
  | { op: 'getSoftBind'; name: string }
  | { op: 'gc'; count: number }
  | { op: 'getFreeList' }
  | { op: 'has'; key: string }
  | { op: 'size' }
  | { op: 'keys' }
  | { op: 'iterate' }
  | { op: 'itemsLockedStatus' }
  /** A lock runs out: the `lock`-th of the keys locked now (model order, modulo), if any. */
  | { op: 'leaseExpires'; lock: number }
  | { op: 'entryExpires'; key: string }
  | { op: 'bindingExpires'; name: string }
  /** The deadline of an indexed key passes: it becomes due and its timed lock runs out. */
  | { op: 'deadlinePasses'; key: string }
  /** Shared mode only: `update(key, {value: 'q', timeout: 1000})`, as `setUnhealthy` does. */
  | { op: 'quarantine'; key: string }
  /** Shared mode only: the quarantine ends early (`unlock`). */
  | { op: 'unlock'; key: string }
  /** `acquireLease({ wait: Infinity, priority })`: a key at once, or the caller queues. */
  | { op: 'waitingMalloc'; priority: number; timeout?: number; name?: string; cacheTimeout?: number }
  /** The `waiter`-th pending waiter (modulo) aborts its wait. */
  | { op: 'cancelWaiter'; waiter: number };

const key = fc.constantFrom(...KEYS);
const name = fc.constantFrom(...NAMES);
const keyList = fc.array(key, { maxLength: 4 });
const lease = fc.nat({ max: LEASE_INDEXES - 1 });
/** Entry lifetimes (extend/assign): default (-1), never, long, fractional (rounded up), Infinity. */
const lifetime = fc.constantFrom(-1, 0, 1000, 1000, 1999.5, Number.POSITIVE_INFINITY);
/** Lease TTLs: permanent or long. Absent = the 120 s default. */
const leaseTimeout = fc.constantFrom(1000, 0, 1000, -1, Number.POSITIVE_INFINITY);
/** Binding TTLs: permanent or long. Absent = the 3600 s default. */
const bindingTimeout = fc.constantFrom(0, 1000);
/** Free lifetimes: absent = keep the entry's own (F11). */
const freeLifetime = fc.constantFrom(0, -1, 1000);

/** A record whose `optional` keys may be absent (so a counterexample prints only what was given). */
function op<T extends Record<string, unknown>>(
  model: { [K in keyof T]: fc.Arbitrary<T[K]> },
  required: (keyof T)[],
) {
  return fc.record(model, { requiredKeys: required });
}

/** Operations of both modes, weighted so pools fill, empty and churn within 40 steps. */
function commonOps(): fc.WeightedArbitrary<Op>[] {
  const w = (weight: number, arbitrary: fc.Arbitrary<unknown>) => ({
    weight,
    arbitrary: arbitrary as fc.Arbitrary<Op>,
  });
  return [
    w(5, op({ op: fc.constant('extend'), keys: keyList, timeout: lifetime }, ['op', 'keys'])),
    w(2, op({ op: fc.constant('assign'), keys: keyList, timeout: lifetime }, ['op', 'keys'])),
    w(2, op({ op: fc.constant('shrink'), keys: keyList }, ['op', 'keys'])),
    w(1, fc.constant({ op: 'clear' })),
    w(
      3,
      op({ op: fc.constant('mallocKey'), timeout: leaseTimeout, name, cacheTimeout: bindingTimeout }, ['op']),
    ),
    w(
      5,
      op(
        {
          op: fc.constant('acquireLease'),
          timeout: leaseTimeout,
          name,
          cacheTimeout: bindingTimeout,
          gcCount: fc.constantFrom(0, 0, 3),
        },
        ['op', 'gcCount'],
      ),
    ),
    w(2, op({ op: fc.constant('acquireKey'), key, timeout: leaseTimeout }, ['op', 'key'])),
    w(
      4,
      op(
        { op: fc.constant('releaseLease'), lease, timeout: freeLifetime, cooldown: fc.constantFrom(0, 1000) },
        ['op', 'lease'],
      ),
    ),
    w(2, op({ op: fc.constant('renewLease'), lease, timeout: leaseTimeout }, ['op', 'lease'])),
    w(3, op({ op: fc.constant('freeKeys'), keys: keyList, timeout: freeLifetime }, ['op', 'keys'])),
    w(
      2,
      op({ op: fc.constant('updateSoftBind'), name, key, timeout: bindingTimeout }, ['op', 'name', 'key']),
    ),
    w(1, fc.record({ op: fc.constant('unbindSoftBind'), name })),
    w(1, fc.record({ op: fc.constant('getSoftBind'), name })),
    w(2, fc.record({ op: fc.constant('gc'), count: fc.integer({ min: 1, max: 10 }) })),
    w(1, fc.constant({ op: 'getFreeList' })),
    w(1, fc.record({ op: fc.constant('has'), key })),
    w(1, fc.constant({ op: 'size' })),
    w(1, fc.constant({ op: 'keys' })),
    w(1, fc.constant({ op: 'iterate' })),
    w(1, fc.constant({ op: 'itemsLockedStatus' })),
    w(3, fc.record({ op: fc.constant('leaseExpires'), lock: fc.nat({ max: 3 }) })),
    w(3, fc.record({ op: fc.constant('entryExpires'), key })),
    w(1, fc.record({ op: fc.constant('bindingExpires'), name })),
    w(
      3,
      op(
        {
          op: fc.constant('waitingMalloc'),
          priority: fc.constantFrom(0, 0, 1, -1),
          timeout: leaseTimeout,
          name,
          cacheTimeout: bindingTimeout,
        },
        ['op', 'priority'],
      ),
    ),
    w(1, fc.record({ op: fc.constant('cancelWaiter'), waiter: fc.nat({ max: 3 }) })),
    w(3, fc.record({ op: fc.constant('deadlinePasses'), key })),
  ];
}

function sharedOnlyOps(): fc.WeightedArbitrary<Op>[] {
  return [
    { weight: 3, arbitrary: fc.record({ op: fc.constant('quarantine' as const), key }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('unlock' as const), key }) },
  ];
}

/**
 * Exactly `length` operations. Any operation can shrink to a `noop` (a rare first alternative with
 * cross-shrinking), so a shrunk counterexample is the failing sequence with irrelevant steps blanked.
 */
export function sequenceArbitrary(shared: boolean, length: number): fc.Arbitrary<Op[]> {
  const real = fc.oneof(...commonOps(), ...(shared ? sharedOnlyOps() : []));
  const step = fc.oneof(
    { withCrossShrink: true },
    { weight: 1, arbitrary: fc.constant<Op>({ op: 'noop' }) },
    { weight: 1000, arbitrary: real },
  );
  return fc.array(step, { minLength: length, maxLength: length });
}

/** One line per operation, for failure messages. */
export function describeOp(step: Op): string {
  const { op: name, ...args } = step;
  const shown = Object.entries(args).map(([k, v]) => `${k}=${show(v)}`);
  return `${name}(${shown.join(', ')})`;
}

export function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${show(v)}`)
      .join(', ')}}`;
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
