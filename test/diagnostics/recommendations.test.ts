/** The recommendation rules and health on hand-made report facts (the thresholds, one by one). */
import { describe, expect, it } from 'vitest';
import { healthOf, recommend } from '../../src/diagnostics/recommendations.js';
import type { PoolReport } from '../../src/index.js';

type Facts = Parameters<typeof recommend>[0];

function facts(overrides: Partial<{ [K in keyof Facts]: Partial<Facts[K]> }> = {}): Facts {
  const base: Facts = {
    version: 1,
    timestamp: 1,
    generatedAt: '',
    identity: {
      prefix: 'p',
      suffix: 's',
      shared: false,
      mode: 'exclusive',
      poolKey: 'p|s|pool',
      exists: true,
      fence: 0,
    },
    integrity: {
      ok: true,
      consistency: 'atomic',
      checked: ['INV-1', 'INV-2', 'INV-3', 'INV-4'],
      violations: [],
      lockedOnFreeList: 0,
      lockedOnFreeListSamples: [],
    },
    pool: {
      total: 10,
      free: 10,
      allocated: 0,
      locked: 0,
      held: 0,
      quarantined: 0,
      cooling: 0,
      expired: 0,
      reclaimable: 0,
      permanentLocks: 0,
      lockedOnFreeList: 0,
    },
    leases: { count: 0, samples: [], truncated: false },
    waiters: {
      count: 0,
      byPriority: {},
      oldestWaitSeconds: 0,
      undeliveredHandOffs: 0,
      samples: [],
      truncated: false,
    },
    bindings: { total: 0, stale: 0, scanned: 0, truncated: false, samples: [] },
    orphans: { count: 0, scanned: 0, truncated: false, samples: [] },
    redis: {
      usedMemory: 1,
      connectedClients: 1,
      commandStats: {},
      slowlog: [],
      ownScriptCalls: 0,
      error: null,
    },
    pressure: null,
  };
  const merged = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides))
    merged[key] = { ...(base as unknown as Record<string, object>)[key], ...(value as object) };
  return merged as unknown as Facts;
}

const codes = (f: Facts, slowMs = 0) => recommend(f, slowMs).map((r) => r.code);

describe('recommendations', () => {
  it('a sound, roomy pool gets none and is healthy', () => {
    expect(codes(facts())).toEqual([]);
    expect(healthOf(true, [])).toBe('healthy');
  });

  it('low-free-capacity below 10 % free, not at 10 %', () => {
    expect(codes(facts({ pool: { total: 10, free: 1 } }))).toEqual([]);
    expect(codes(facts({ pool: { total: 11, free: 1 } }))).toEqual(['low-free-capacity']);
  });

  it('high-eval-pressure above 100 script calls per second, over an interval of 1 s or more', () => {
    const pressure = (rate: number, intervalSeconds = 1) =>
      ({
        intervalSeconds,
        redisOpsPerSecond: rate,
        scriptCallsPerSecond: rate,
        allocatorKeyspaceDelta: 0,
        commandDeltas: {},
      }) as PoolReport['pressure'];
    expect(codes({ ...facts(), pressure: pressure(100) })).toEqual([]);
    expect(codes({ ...facts(), pressure: pressure(101) })).toEqual(['high-eval-pressure']);
    expect(codes({ ...facts(), pressure: pressure(1000, 0.01) })).toEqual([]);
  });

  it('slow-snapshot when an atomic snapshot call took over 50 ms, never for a chunked read', () => {
    expect(codes(facts(), 50)).toEqual([]);
    expect(codes(facts(), 51)).toEqual(['slow-snapshot']);
    expect(codes(facts({ integrity: { consistency: 'chunked' } }), 500)).toEqual([]);
  });

  it('upstream order: integrity first, then orphans, truncation, permanent locks …', () => {
    const all = facts({
      integrity: { ok: false, violations: [{ invariant: 'INV-3', message: 'x' }] },
      orphans: { count: 1, truncated: true },
      pool: { total: 20, free: 1, permanentLocks: 1 },
      bindings: { stale: 1 },
    });
    expect(codes(all)).toEqual([
      'integrity-corrupt',
      'orphan-locks',
      'scan-truncated',
      'permanent-locks',
      'low-free-capacity',
      'stale-bindings',
    ]);
  });

  it('reclaimable-backlog when half the pool or more are ended leases waiting for GC', () => {
    expect(codes(facts({ pool: { total: 10, free: 6, allocated: 4, reclaimable: 4 } }))).toEqual([]);
    expect(codes(facts({ pool: { total: 10, free: 5, allocated: 5, reclaimable: 5 } }))).toEqual([
      'reclaimable-backlog',
    ]);
  });

  it('pool-missing and locked-on-free-list are warnings', () => {
    const missing = recommend(facts({ identity: { exists: false }, pool: { total: 0, free: 0 } }));
    expect(missing).toEqual([expect.objectContaining({ code: 'pool-missing', severity: 'warning' })]);
    const locked = recommend(facts({ integrity: { lockedOnFreeList: 2 } }));
    expect(locked).toEqual([expect.objectContaining({ code: 'locked-on-free-list', severity: 'warning' })]);
  });

  it('waiters-stuck when waiters are queued beside free keys in an atomic read only', () => {
    const queued = { count: 2 };
    expect(codes(facts({ waiters: queued, pool: { total: 10, free: 0 } }))).toEqual(['low-free-capacity']);
    expect(codes(facts({ waiters: { count: 0 }, pool: { total: 10, free: 3 } }))).toEqual([]);
    expect(codes(facts({ waiters: queued, pool: { total: 10, free: 3 } }))).toEqual(['waiters-stuck']);
    expect(
      codes(facts({ waiters: queued, pool: { total: 10, free: 3 }, integrity: { consistency: 'chunked' } })),
    ).toEqual([]);
  });

  it('long-wait above 60 s of observed wait, a warning', () => {
    expect(codes(facts({ waiters: { count: 1, oldestWaitSeconds: 60 }, pool: { free: 1 } }))).toEqual([
      'waiters-stuck',
    ]);
    const long = recommend(
      facts({ waiters: { count: 1, oldestWaitSeconds: 61 }, pool: { total: 10, free: 1 } }),
    );
    expect(long.map((r) => [r.code, r.severity])).toEqual([
      ['waiters-stuck', 'warning'],
      ['long-wait', 'warning'],
    ]);
  });

  it('health: corrupt on a violation, degraded on a warning, info alone stays healthy', () => {
    expect(healthOf(false, [])).toBe('corrupt');
    expect(healthOf(true, [{ code: 'orphan-locks', severity: 'warning', message: '' }])).toBe('degraded');
    expect(healthOf(true, [{ code: 'permanent-locks', severity: 'info', message: '' }])).toBe('healthy');
  });
});
