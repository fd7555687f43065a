/** The model comparison's tolerances are exact: a one-second or wrong-unit TTL fails it. */
import { describe, expect, it } from 'vitest';
import type { PoolState } from './model-state.js';
import { alignWithModel, ttlsOutOfBounds } from './redis-state.js';

function stateWithExpiry(expiry: number): PoolState {
  return {
    head: 'k0',
    tail: 'k0',
    entries: [{ key: 'k0', prev: '', next: '', expiry }],
    locks: {},
    bindings: {},
    deadlines: [],
  };
}

describe('entry expiries (model vs Redis)', () => {
  const model = stateWithExpiry(1_800_000_100);

  it('the same second matches', () => {
    expect(alignWithModel(stateWithExpiry(1_800_000_100), model, 0)).toEqual(model);
  });

  it('one second later matches only when a second boundary passed between the snapshots', () => {
    expect(alignWithModel(stateWithExpiry(1_800_000_101), model, 1)).toEqual(model);
    expect(alignWithModel(stateWithExpiry(1_800_000_101), model, 0)).not.toEqual(model);
  });

  it('one second earlier never matches', () => {
    expect(alignWithModel(stateWithExpiry(1_800_000_099), model, 1)).not.toEqual(model);
  });
});

describe('lock and binding TTLs (model vs Redis)', () => {
  const timed = [{ id: 'lock:k0', ttlMs: 120_000, setAt: 1000 }];

  it('a PTTL between the written TTL and what the elapsed time explains is in bounds', () => {
    expect(ttlsOutOfBounds(timed, { 'lock:k0': 119_900 }, 1000.05, 20)).toEqual([]);
  });

  it('a TTL one second too long is out of bounds', () => {
    expect(ttlsOutOfBounds(timed, { 'lock:k0': 120_990 }, 1000.01, 5)).toHaveLength(1);
  });

  it('a TTL one second too short is out of bounds', () => {
    expect(ttlsOutOfBounds(timed, { 'lock:k0': 119_000 }, 1000.01, 5)).toHaveLength(1);
  });

  it('a lock without a TTL (or missing) where a timed one was written is out of bounds', () => {
    expect(ttlsOutOfBounds(timed, { 'lock:k0': -1 }, 1000.01, 5)).toHaveLength(1);
    expect(ttlsOutOfBounds(timed, {}, 1000.01, 5)).toHaveLength(1);
  });
});
